/**
 * The project's dev server keeps history in a SQLite file in WAL mode with synchronous=NORMAL
 * (src/dev-server.ts). A crash of the server process (SIGKILL) must lose nothing committed: a server
 * started again on the same file finishes the videos that were running, each with one paid job.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { VideoClient } from '../src/client';
import { startDevServer, type DevServer } from '../src/dev-server';
import { startSimulator, type GatewaySimulator } from '../src/simulator/server';
import { WorkerProcesses } from './helpers/worker-process';
import { eventually, type World } from './helpers/world';

/** A port nobody uses now, so the second server can take the first one's address. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Kill the dev server process that keeps `dbFilename`, as a crash would (no shutdown, no checkpoint). */
function crash(dbFilename: string): void {
  const pids = readdirSync('/proc').filter((pid) => {
    try {
      return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dbFilename);
    } catch {
      return false;
    }
  });
  assert.ok(pids.length > 0, 'the dev server process');
  for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
}

describe('the dev server killed mid-job (SQLite file, WAL)', { skip: process.platform !== 'linux' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dev-server-crash-'));
  const dbFilename = join(dir, 'temporal.sqlite');
  const taskQueue = `server-crash-${process.pid}`;
  let server: DevServer;
  let simulator: GatewaySimulator;
  let connection: Connection;
  let workers: WorkerProcesses;

  before(async () => {
    const port = await freePort();
    [server, simulator] = await Promise.all([
      startDevServer({ dbFilename, port }),
      startSimulator({ queuedMs: 300, processingMs: 8000 }),
    ]);
    connection = await Connection.connect({ address: server.address });
    workers = new WorkerProcesses({ server, simulator } as unknown as World, { taskQueue, store: dir });
  });
  after(async () => {
    await workers?.killAll();
    await connection?.close();
    await simulator?.close();
    await server?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a server started again on the same file finishes both poll modes, one submit each', async () => {
    await workers.spawn();
    const videos = new VideoClient(new Client({ connection }), { taskQueue });
    const jobs = await Promise.all(
      (['timer', 'activity'] as const).map((mode) =>
        videos.start({ prompt: `server crash ${mode}`, poll_interval: '300ms', poll_mode: mode }),
      ),
    );
    for (const job of jobs)
      await eventually(async () => (await job.progress()).status === 'processing', 30_000, 'processing');

    crash(dbFilename);
    await server.stop().catch(() => undefined); // the SDK's handle on a process that is gone
    const port = Number(server.address.split(':').pop());
    server = await startDevServer({ dbFilename, port });

    const results = await Promise.all(jobs.map((job) => job.result()));
    for (const result of results) {
      assert.equal(result.status, 'succeeded');
      assert.equal(simulator.callsTo('submit').filter((c) => c.job_id === result.job_id).length, 1, 'one submit');
    }
  });
});
