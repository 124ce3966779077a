/**
 * A local Temporal dev server (the real server, SQLite-backed) for the demo, the tests and the
 * benchmarks, started from the CLI that temporal-cli.ts finds or builds.
 *
 * Its history lives in a SQLite file, as anything durable must (a temporary one unless `dbFilename`
 * names one), in WAL mode with synchronous=NORMAL: measured on a fleet of 1,000 videos, a plain file
 * cost the server twice the CPU of an in-memory store and polls came up to two minutes late; WAL
 * brought it back near memory. WAL keeps every committed write across a crash of the server process
 * (the write is in the WAL file, in the OS's hands, before the commit returns). synchronous=NORMAL
 * skips the fsync at each commit and syncs the WAL only at checkpoints: after a power loss or an OS
 * crash the commits since the last checkpoint may be lost (rolled back; the database stays
 * consistent, never corrupt), so workflows would replay from slightly earlier, e.g. a submit that
 * had completed runs again (with the same idempotency key). A dev server can accept that; a
 * production server runs on PostgreSQL or MySQL (docker-compose.yml, src/cluster.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type * as Testing from '@temporalio/testing';
import { VIDEO_SEARCH_ATTRIBUTES } from './search-attributes';
import { findTemporalCli } from './temporal-cli';

export interface DevServerOptions {
  /** Serve the Web UI (on port + 1000 unless uiPort is given). */
  ui?: boolean;
  uiPort?: number;
  port?: number;
  /** Keep history in this SQLite file across restarts (default: a temporary file, removed at stop). */
  dbFilename?: string;
  /** "memory" keeps history in memory only (benchmarks compare it, labelled); default "file". */
  store?: DevServerStore;
  /** Server dynamic config, e.g. { 'limit.historyCount.suggestContinueAsNew': 60 }. */
  dynamicConfig?: Record<string, string | number | boolean>;
  log?: (line: string) => void;
  /** Register the video search attributes at start (default true). */
  searchAttributes?: boolean;
}

export type DevServerStore = 'file' | 'memory';

/** The SQLite settings that measured best on a file (see above). */
export const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

export interface DevServer {
  env: TestWorkflowEnvironment;
  address: string;
  /** Where history is kept: the SQLite file, or "memory". */
  store: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const path = await findTemporalCli({ log: options.log });
  // Fairness keys (one per campaign) share task queues fairly between campaigns.
  const dynamicConfig = { 'matching.enableFairness': true, ...options.dynamicConfig };
  const inMemory = options.store === 'memory' && !options.dbFilename;
  const scratch = inMemory || options.dbFilename ? undefined : mkdtempSync(join(tmpdir(), 'temporal-dev-'));
  const dbFilename = options.dbFilename ?? (scratch ? join(scratch, 'temporal.sqlite') : undefined);
  const extraArgs = [
    ...Object.entries(dynamicConfig).flatMap(([key, value]) => [
      '--dynamic-config-value',
      `${key}=${typeof value === 'string' ? JSON.stringify(value) : value}`,
    ]),
    ...(dbFilename ? SQLITE_PRAGMAS.flatMap((pragma) => ['--sqlite-pragma', pragma]) : []),
  ];
  const removeScratch = () => scratch && rmSync(scratch, { recursive: true, force: true });
  const env = await testingPackage()
    .TestWorkflowEnvironment.createLocal({
      server: {
        executable: path ? { type: 'existing-path', path } : { type: 'cached-download' },
        ui: options.ui ?? false,
        uiPort: options.uiPort,
        port: options.port,
        dbFilename,
        searchAttributes: options.searchAttributes === false ? [] : [...VIDEO_SEARCH_ATTRIBUTES],
        extraArgs,
      },
    })
    .catch((error: unknown) => {
      removeScratch(); // a server that did not start leaves no folder behind
      throw error;
    });
  const port = Number(env.address.split(':').pop());
  const uiUrl = options.ui ? `http://localhost:${options.uiPort ?? port + 1000}` : undefined;
  const stop = async () => {
    try {
      await env.teardown();
    } finally {
      removeScratch();
    }
  };
  return { env, address: env.address, store: dbFilename ?? 'memory', uiUrl, stop };
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
