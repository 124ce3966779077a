/**
 * The production topology without Docker (`npm run test:cluster`): temporal-server on PostgreSQL,
 * two worker processes configured by environment, the gateway simulator. A job survives killing a
 * worker, and the search attributes answer a visibility query. Not in `npm test`: the first run
 * builds temporal-server from the Go module proxy (minutes), and it needs PostgreSQL.
 */
import { Client, Connection } from '@temporalio/client';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VideoClient } from '../../src/client';
import { startCluster, type Cluster } from '../../src/cluster';
import { startSimulator, type GatewaySimulator } from '../../src/simulator/server';
import { kill, WorkerProcesses } from '../helpers/worker-process';
import { eventually, findByQuery, type World } from '../helpers/world';

describe('a real cluster: temporal-server on PostgreSQL, two workers', () => {
  let cluster: Cluster;
  let simulator: GatewaySimulator;
  let connection: Connection;
  let videos: VideoClient;
  let workers: WorkerProcesses;
  const taskQueue = 'cluster-test';

  before(async () => {
    const started = Date.now();
    cluster = await startCluster({ log: (line) => console.error(line) });
    console.error(`cluster ready in ${Date.now() - started} ms`);
    simulator = await startSimulator({ queuedMs: 300, processingMs: 8000 });
    connection = await Connection.connect({ address: cluster.address });
    videos = new VideoClient(new Client({ connection, namespace: cluster.namespace }), { taskQueue });
    // The helper needs only the server address and the simulator.
    const world = { server: { address: cluster.address }, simulator } as unknown as World;
    workers = new WorkerProcesses(world, { taskQueue, store: mkdtempSync(join(tmpdir(), 'cluster-store-')) });
  });
  after(async () => {
    await workers?.killAll();
    await connection?.close();
    await simulator?.close();
    await cluster?.stop();
  });

  test('a job survives killing one of two workers; one paid job; found by its search attributes', async () => {
    const [first, second] = [await workers.spawn(), await workers.spawn()];
    const job = await videos.start({ prompt: 'on a real cluster', poll_interval: '500ms' });
    await eventually(async () => (await job.progress()).status === 'processing', 60_000, 'processing');
    await kill(first);
    const result = await job.result();
    assert.equal(result.status, 'succeeded');
    assert.equal(simulator.callsTo('submit').length, 1);
    const query = `WorkflowId = "${job.workflowId}" AND VideoStatus = "succeeded" AND VideoModel = "veo-3-1-fast"`;
    await findByQuery(videos.client, query, 30_000);
    await kill(second);
  });
});
