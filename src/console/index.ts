/**
 * The campaign console: a web page for the people who commission videos (check a manifest, start,
 * watch and steer campaigns, see the videos, make one video). `durable-video console` serves it,
 * configured like the worker and the client by environment.
 */
import { serve } from '@hono/node-server';
import type { Command } from 'commander';
import type { AddressInfo } from 'node:net';
import { VideoClient } from '../client';
import { createStore } from '../store';
import { createConsoleApp, type ConsoleDependencies } from './app';
import { catalogFromEnv } from './catalog';
import { loadConsoleConfig } from './config';

export { createConsoleApp, type ConsoleDependencies } from './app';
export { loadConsoleConfig, type ConsoleConfig } from './config';

export interface RunningConsole {
  url: string;
  close(): Promise<void>;
}

/** Serve the console on its configured address (port 0: any free port). */
export async function startConsole(deps: ConsoleDependencies): Promise<RunningConsole> {
  const { host, port, token } = deps.config;
  const app = createConsoleApp(deps);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(s));
    s.once('error', reject);
  });
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  // The token itself is never logged.
  console.log(
    token
      ? `console at ${url} (sign in with VIDEO_CONSOLE_TOKEN, or send it as Authorization: Bearer)`
      : `console at ${url} WITHOUT a token: development on loopback only, anyone on this machine can use it (set VIDEO_CONSOLE_TOKEN)`,
  );
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** `durable-video console`: serve until Ctrl-C. */
export function addConsoleCommand(program: Command): void {
  program
    .command('console')
    .description(
      'serve the campaign console (VIDEO_CONSOLE_ADDRESS, default 127.0.0.1:8090; VIDEO_CONSOLE_TOKEN; TEMPORAL_*; VIDEO_STORE)',
    )
    .action(async () => {
      const config = loadConsoleConfig();
      const videos = await VideoClient.connect();
      const store = await createStore(process.env.VIDEO_STORE?.trim() || './videos');
      const running = await startConsole({ videos, store, config, catalog: catalogFromEnv() });
      await new Promise<void>((done) => {
        process.once('SIGINT', () => done());
        process.once('SIGTERM', () => done());
      });
      await running.close();
      await videos.client.connection.close();
    });
}
