/**
 * The package as a service installs it: `npm pack` (which builds lib/), the tarball installed into a
 * fresh folder outside the repository, and everything after that done by plain `node` and `tsc` in
 * that folder, never through this repository's sources or loaders:
 * - the client loads by `require` and by `import`, and loads nothing of the worker;
 * - a TypeScript service typechecks against it (nodenext and bundler resolution, @types/node 20 and
 *   24), and the package's own declarations have no errors of their own;
 * - `npx durable-video worker` makes a video that a client script starts and awaits;
 * - a worker of the service's own, with `new VideoPlugin()`, its own workflow and activity beside ours,
 *   runs both.
 * The Temporal dev server and the gateway simulator are the repository's (real servers over loopback).
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startDevServer, type DevServer } from '../../src/dev-server';
import { startSimulator, type GatewaySimulator } from '../../src/simulator/server';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const NODE = process.execPath;

/** npm from PATH (which node runs npm does not matter: what the service runs is run by NODE). */
function npm(args: string[], cwd: string) {
  return run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

function node(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return run(NODE, args, { cwd, timeout: 300_000, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
}

/** A long-running child (a worker), its output kept for the failure message. */
class Child {
  output = '';
  readonly process: ChildProcess;
  constructor(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
    this.process = spawn(NODE, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout!.on('data', (d) => (this.output += d));
    this.process.stderr!.on('data', (d) => (this.output += d));
  }
  async waitFor(text: string, timeoutMs = 180_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.output.includes(text)) {
      if (this.process.exitCode !== null) throw new Error(`exited ${this.process.exitCode}:\n${this.output}`);
      if (Date.now() > until) throw new Error(`no "${text}" within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  async stop(): Promise<number | null> {
    if (this.process.exitCode !== null) return this.process.exitCode;
    const exited = new Promise<number | null>((resolve) => this.process.once('exit', (code) => resolve(code)));
    this.process.kill('SIGTERM');
    return exited;
  }
}

describe('the packed package, installed in a fresh folder', () => {
  let work: string;
  let service: string;
  let tarball: string;
  let server: DevServer;
  let simulator: GatewaySimulator;
  const children: Child[] = [];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'durable-video-package-'));
    service = join(work, 'service');
    // `npm pack` runs prepack: the build of lib/ and the prebuilt workflow bundles.
    await npm(['pack', '--pack-destination', work], ROOT);
    tarball = join(
      work,
      readdirSync(work).find((f) => f.endsWith('.tgz'))!,
    );
    mkdirSync(service);
    writeFileSync(join(service, 'package.json'), JSON.stringify({ name: 'a-service', private: true }, null, 2));
    // The service's own tree: the package (its peers come with it) and the optional dev server peer.
    const testing = `@temporalio/testing@${require('@temporalio/testing/package.json').version}`;
    await npm(['install', '--prefer-offline', tarball, testing], service);
    [server, simulator] = await Promise.all([startDevServer(), startSimulator({ queuedMs: 200, processingMs: 1500 })]);
  });

  after(async () => {
    await Promise.all(children.map((child) => child.stop()));
    await simulator?.close();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const workerEnv = (taskQueue: string, store: string): NodeJS.ProcessEnv => ({
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: 'default',
    VIDEO_API_BASE_URL: simulator.url,
    VIDEO_API_KEY: simulator.apiKey,
    VIDEO_MIRROR_ALLOW_LOOPBACK: '1',
    VIDEO_TASK_QUEUE: taskQueue,
    VIDEO_STORE: store,
  });

  test('ships compiled JavaScript, declarations and the workflow bundle, and no tests', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball], { maxBuffer: 16 * 1024 * 1024 });
    const files = stdout.split('\n').filter(Boolean);
    for (const file of [
      'package/lib/index.js',
      'package/lib/index.d.ts',
      'package/lib/index.js.map',
      'package/lib/worker/index.js',
      'package/lib/workflows/index.js',
      'package/lib/testing.js',
      'package/lib/cli/main.js',
      'package/lib/bundles/workflows.js',
      'package/lib/bundles/manifest.json',
    ]) {
      assert.ok(files.includes(file), `${file} is in the tarball`);
    }
    assert.deepEqual(
      files.filter((f) => /^package\/(test|bench|scripts)\/|\.test\.|histories/.test(f)),
      [],
      'no tests, benchmarks, scripts or histories',
    );
    const installed = join(service, 'node_modules', 'durable-video');
    const temporalCopies = readdirSync(join(service, 'node_modules', '@temporalio'));
    assert.ok(temporalCopies.includes('worker'), 'the peers are installed beside the package');
    assert.ok(!existsSync(join(installed, 'node_modules', '@temporalio')), 'one copy of the Temporal SDK');
    assert.ok(!existsSync(join(service, 'node_modules', 'tsx')), 'no tsx at run time');
  });

  test('the client loads with require and with import, and loads nothing of the worker', async () => {
    const probe = `
      const before = new Set(Object.keys(require.cache));
      const m = require('durable-video');
      const loaded = Object.keys(require.cache).filter((k) => !before.has(k));
      const heavy = loaded.filter((k) => /@temporalio[\\/](worker|testing|core-bridge)|[\\/]simulator[\\/]|webpack/.test(k));
      console.log(JSON.stringify({ client: typeof m.VideoClient, failureDetails: typeof m.failureDetails,
        verifyWebhook: typeof m.verifyWebhook, invalid: m.FailureType.InvalidInput, heavy }));`;
    const required = JSON.parse((await node(['-e', probe], service)).stdout);
    assert.deepEqual(required, {
      client: 'function',
      failureDetails: 'function',
      verifyWebhook: 'function',
      invalid: 'InvalidInput',
      heavy: [],
    });
    const imported = `
      import { VideoClient, FailureType, failureDetails } from 'durable-video';
      import { VideoPlugin, createVideoWorker, createActivities } from 'durable-video/worker';
      import { GenerateVideo, VideoCampaign } from 'durable-video/workflows';
      import { startSimulator, startDevServer } from 'durable-video/testing';
      console.log([VideoClient, failureDetails, VideoPlugin, createVideoWorker, createActivities, GenerateVideo,
        VideoCampaign, startSimulator, startDevServer].map((f) => typeof f).join(','), FailureType.Cancelled);`;
    writeFileSync(join(service, 'probe.mjs'), imported);
    const { stdout } = await node(['probe.mjs'], service);
    assert.equal(stdout.trim(), `${Array(9).fill('function').join(',')} Cancelled`);
  });

  test('a TypeScript service typechecks against it (nodenext, bundler; @types/node 20 and 24)', async () => {
    writeFileSync(
      join(service, 'service.ts'),
      `import { VideoClient, FailureType, failureDetails, type GenerateVideoInput, type VideoResult } from 'durable-video';
import { VideoPlugin, createVideoWorker, type ActivityDependencies } from 'durable-video/worker';
import { GenerateVideo } from 'durable-video/workflows';
import { startSimulator } from 'durable-video/testing';
import { Worker, NativeConnection } from '@temporalio/worker';

export async function main(): Promise<VideoResult> {
  const input: GenerateVideoInput = { prompt: 'a kite', model: 'veo-3-1-fast', duration_seconds: 4 };
  const videos = await VideoClient.connect();
  const job = await videos.start(input);
  for await (const p of job.watch()) console.log(p.status, p.progress);
  const connection = await NativeConnection.connect();
  const worker = await Worker.create({ connection, taskQueue: 'video-generation', plugins: [new VideoPlugin()] });
  void worker;
  void createVideoWorker;
  void GenerateVideo;
  void startSimulator;
  const deps: Partial<ActivityDependencies> = {};
  void deps;
  try {
    return await job.result();
  } catch (error) {
    const details = failureDetails(error);
    if (details?.provider_url) console.log('the video exists upstream:', details.provider_url, FailureType.MirrorFailed);
    throw error;
  }
}
`,
    );
    const config = (module: string, moduleResolution: string, skipLibCheck: boolean) =>
      JSON.stringify({
        compilerOptions: { module, moduleResolution, target: 'ES2022', strict: true, skipLibCheck, noEmit: true },
        files: ['service.ts'],
      });
    const tsc = join(service, 'node_modules', 'typescript', 'bin', 'tsc');
    const typescript = `typescript@${require('typescript/package.json').version}`;
    for (const types of ['20', '24']) {
      await npm(['install', '--prefer-offline', '--no-save', typescript, `@types/node@${types}`], service);
      for (const [module, resolution] of [
        ['nodenext', 'nodenext'],
        ['esnext', 'bundler'],
      ]) {
        writeFileSync(join(service, 'tsconfig.json'), config(module, resolution, true));
        await node([tsc, '-p', 'tsconfig.json'], service).catch((error: { stdout: string }) => {
          assert.fail(`@types/node ${types}, ${module}/${resolution}:\n${error.stdout}`);
        });
      }
      // The package's own declarations, checked as library files: no error may be in them (Temporal's
      // own typings need skipLibCheck, so errors elsewhere are not ours to judge).
      writeFileSync(join(service, 'tsconfig.json'), config('nodenext', 'nodenext', false));
      const checked = await node([tsc, '-p', 'tsconfig.json'], service).then(
        () => '',
        (error: { stdout: string }) => error.stdout,
      );
      const ours = checked.split('\n').filter((line) => line.includes('node_modules/durable-video/'));
      assert.deepEqual(ours, [], `errors in durable-video's own .d.ts with @types/node ${types}`);
    }
  });

  test('the bin lists its commands', async () => {
    const { stdout } = await node([join(service, 'node_modules', '.bin', 'durable-video'), '--help'], service);
    for (const command of [
      'worker',
      'console',
      'demo',
      'generate',
      'status',
      'cancel',
      'fallback',
      'campaign',
      'setup',
    ]) {
      assert.match(stdout, new RegExp(`^  ${command}\\b`, 'm'), `durable-video ${command}`);
    }
  });

  test('npx durable-video worker makes a video that a client script awaits', async () => {
    const store = join(work, 'bin-videos');
    const worker = new Child(
      [join(service, 'node_modules', '.bin', 'durable-video'), 'worker'],
      service,
      workerEnv('package-bin', store),
    );
    children.push(worker);
    await worker.waitFor('Worker polling');
    assert.doesNotMatch(worker.output, /bundling the workflows/, 'the prebuilt bundle is used');
    const result = await makeVideo('package-bin');
    assert.equal(result.status, 'succeeded');
    assert.ok(statSync(new URL(result.video.uri)).size > 1000, 'the MP4 is in the store');
    assert.equal(await worker.stop(), 0, 'SIGTERM stops the worker cleanly');
  });

  test('a service worker with VideoPlugin runs its own workflow and ours', async () => {
    writeFileSync(
      join(service, 'workflows.js'),
      `const { proxyActivities } = require('@temporalio/workflow');
const { greet } = proxyActivities({ startToCloseTimeout: '10s' });
exports.Hello = async (name) => greet(name);
`,
    );
    writeFileSync(
      join(service, 'worker.js'),
      `const { NativeConnection, Worker } = require('@temporalio/worker');
const { VideoPlugin } = require('durable-video/worker');
(async () => {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.VIDEO_TASK_QUEUE,
    ...(process.env.OWN_WORKFLOWS && { workflowsPath: require.resolve(process.env.OWN_WORKFLOWS === 'clash' ? './clash' : './workflows') }),
    activities: { greet: async (name) => 'hello ' + name },
    plugins: [new VideoPlugin({ running: () => console.log('plugin worker running') })],
  });
  await worker.run();
  await connection.close();
})().catch((error) => { console.error(error); process.exit(1); });
`,
    );
    const worker = new Child(['worker.js'], service, {
      ...workerEnv('package-plugin', join(work, 'plugin-videos')),
      OWN_WORKFLOWS: '1',
    });
    children.push(worker);
    await worker.waitFor('plugin worker running', 300_000);
    const { stdout } = await node(
      [
        '-e',
        `const { Client, Connection } = require('@temporalio/client');
(async () => {
  const client = new Client({ connection: await Connection.connect({ address: process.env.TEMPORAL_ADDRESS }) });
  const greeting = await client.workflow.execute('Hello', { taskQueue: 'package-plugin', workflowId: 'hello-' + Date.now(), args: ['service'] });
  console.log(JSON.stringify(greeting));
  await client.connection.close();
})();`,
      ],
      service,
      { TEMPORAL_ADDRESS: server.address },
    );
    assert.equal(JSON.parse(stdout), 'hello service');
    const result = await makeVideo('package-plugin');
    assert.equal(result.status, 'succeeded');
    assert.equal(await worker.stop(), 0);
  });

  test('VideoPlugin alone runs the prebuilt bundle; a service workflow named like ours is refused at start', async () => {
    const worker = new Child(['worker.js'], service, workerEnv('package-prebuilt', join(work, 'prebuilt-videos')));
    children.push(worker);
    await worker.waitFor('plugin worker running');
    assert.doesNotMatch(worker.output, /bundling the workflows/, 'the prebuilt bundle is used');
    assert.equal((await makeVideo('package-prebuilt')).status, 'succeeded');
    assert.equal(await worker.stop(), 0);

    writeFileSync(join(service, 'clash.js'), 'exports.GenerateVideo = async () => "mine";\n');
    const clash = await node(['worker.js'], service, {
      ...workerEnv('package-clash', work),
      OWN_WORKFLOWS: 'clash',
    }).then(
      () => assert.fail('a worker whose workflows export GenerateVideo started'),
      (error: { stderr: string }) => error.stderr,
    );
    assert.match(clash, /export "GenerateVideo", a name of durable-video's/);
  });

  /** A client script in the service folder: start a video, watch it, await its result. */
  async function makeVideo(taskQueue: string): Promise<{ status: string; video: { uri: string } }> {
    const { stdout } = await node(
      [
        '-e',
        `const { VideoClient } = require('durable-video');
(async () => {
  const videos = await VideoClient.connect();
  const job = await videos.start({ prompt: 'a paper boat in the rain', model: 'veo-3-1-fast', duration_seconds: 4 });
  const statuses = new Set();
  for await (const p of job.watch()) statuses.add(p.status);
  const result = await job.result();
  console.log(JSON.stringify({ ...result, statuses: [...statuses] }));
  await videos.client.connection.close();
})().catch((error) => { console.error(error); process.exit(1); });`,
      ],
      service,
      { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default', VIDEO_TASK_QUEUE: taskQueue },
    );
    return JSON.parse(stdout.trim().split('\n').pop()!);
  }
});
