/**
 * VideoPlugin in a worker of the test's own, from the sources (the installed package is tested in
 * test/package/): its own workflow and activity beside ours on one worker, and a workflow named like
 * ours refused when the worker is created, not later at every task.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { startDevServer, type DevServer } from '../src/dev-server';
import { startSimulator, type GatewaySimulator } from '../src/simulator/server';
import { VideoPlugin } from '../src/worker/plugin';
import { VideoClient } from '../src/client';
import { installTestRuntime } from './helpers/world';

describe('VideoPlugin in a service worker', () => {
  let server: DevServer;
  let simulator: GatewaySimulator;
  const dir = mkdtempSync(join(tmpdir(), 'plugin-service-'));
  const plugin = () =>
    new VideoPlugin({
      env: {
        VIDEO_API_BASE_URL: simulator.url,
        VIDEO_API_KEY: simulator.apiKey,
        VIDEO_MIRROR_ALLOW_LOOPBACK: '1',
        VIDEO_STORE: join(dir, 'videos'),
      },
    });

  before(async () => {
    installTestRuntime();
    [server, simulator] = await Promise.all([startDevServer(), startSimulator({ queuedMs: 100, processingMs: 500 })]);
    writeFileSync(
      join(dir, 'workflows.js'),
      `const { proxyActivities } = require('@temporalio/workflow');
const { greet } = proxyActivities({ startToCloseTimeout: '10s' });
exports.Hello = async (name) => greet(name);
`,
    );
    writeFileSync(join(dir, 'clash.js'), 'exports.GenerateVideo = async () => "mine";\n');
  });
  after(async () => {
    await simulator?.close();
    await server?.stop();
  });

  test("the service's workflow and activity run beside ours on one worker", async () => {
    const worker = await Worker.create({
      connection: server.env.nativeConnection,
      taskQueue: 'plugin-service',
      workflowsPath: join(dir, 'workflows.js'),
      activities: { greet: async (name: string) => `hello ${name}` },
      plugins: [plugin()],
    });
    await worker.runUntil(async () => {
      const greeting = await server.env.client.workflow.execute('Hello', {
        taskQueue: 'plugin-service',
        workflowId: `hello-${Date.now()}`,
        args: ['service'],
      });
      assert.equal(greeting, 'hello service');
      const videos = new VideoClient(server.env.client, { taskQueue: 'plugin-service' });
      const result = await (
        await videos.start({ prompt: 'a kite', model: 'veo-3-1-fast', duration_seconds: 4 })
      ).result();
      assert.equal(result.status, 'succeeded');
    });
  });

  test('a service workflow named like ours is refused when the worker is created', async () => {
    await assert.rejects(
      Worker.create({
        connection: server.env.nativeConnection,
        taskQueue: 'plugin-clash',
        workflowsPath: join(dir, 'clash.js'),
        plugins: [plugin()],
      }),
      /export "GenerateVideo", a name of durable-video's/,
    );
  });
});
