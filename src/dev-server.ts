/**
 * A local Temporal dev server (the real server, SQLite-backed) for the demo, the tests and the
 * benchmarks, started from the CLI that temporal-cli.ts finds or builds.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type * as Testing from '@temporalio/testing';
import { VIDEO_SEARCH_ATTRIBUTES } from './search-attributes';
import { findTemporalCli } from './temporal-cli';

export interface DevServerOptions {
  /** Serve the Web UI (on port + 1000 unless uiPort is given). */
  ui?: boolean;
  uiPort?: number;
  port?: number;
  /** Keep history in this SQLite file across restarts. */
  dbFilename?: string;
  /** Server dynamic config, e.g. { 'limit.historyCount.suggestContinueAsNew': 60 }. */
  dynamicConfig?: Record<string, string | number | boolean>;
  log?: (line: string) => void;
  /** Register the video search attributes at start (default true). */
  searchAttributes?: boolean;
}

export interface DevServer {
  env: TestWorkflowEnvironment;
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const path = await findTemporalCli({ log: options.log });
  // Fairness keys (one per campaign) share task queues fairly between campaigns.
  const dynamicConfig = { 'matching.enableFairness': true, ...options.dynamicConfig };
  const extraArgs = Object.entries(dynamicConfig).flatMap(([key, value]) => [
    '--dynamic-config-value',
    `${key}=${typeof value === 'string' ? JSON.stringify(value) : value}`,
  ]);
  const env = await testingPackage().TestWorkflowEnvironment.createLocal({
    server: {
      executable: path ? { type: 'existing-path', path } : { type: 'cached-download' },
      ui: options.ui ?? false,
      uiPort: options.uiPort,
      port: options.port,
      dbFilename: options.dbFilename,
      searchAttributes: options.searchAttributes === false ? [] : [...VIDEO_SEARCH_ATTRIBUTES],
      extraArgs,
    },
  });
  const port = Number(env.address.split(':').pop());
  const uiUrl = options.ui ? `http://localhost:${options.uiPort ?? port + 1000}` : undefined;
  return { env, address: env.address, uiUrl, stop: () => env.teardown() };
}

/** `@temporalio/testing` starts the server: an optional peer dependency, needed only here. */
function testingPackage(): typeof Testing {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional, loaded when a server is started
    return require('@temporalio/testing') as typeof Testing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error('a local Temporal dev server needs @temporalio/testing: npm install @temporalio/testing');
  }
}
