/**
 * `npm start`: the whole thing on one machine with no configuration. A local Temporal dev server
 * (Web UI on), the gateway simulator, a worker, and one GenerateVideo with visible progress.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleOption } from '@temporalio/worker';
import { VideoClient, type GenerateVideoInput } from '../client';
import { startDevServer } from '../dev-server';
import { createGateway } from '../gateway';
import { startSimulator } from '../simulator/server';
import { FolderStore } from '../store';
import { createVideoWorker } from '../worker/create';
import { prebuiltBundle, quietBundlerLogger, WORKFLOW_BUNDLE_OPTIONS } from '../workflow-bundle';
import { showProgress } from './progress';

export interface DemoOptions {
  out: string;
  prompt: string;
  model: string;
  /** Keep the dev server and its Web UI up after the video, until Ctrl-C. */
  keep: boolean;
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  const say = (line: string) => process.stderr.write(`${line}\n`);
  // The progress bar is the demo's output; worker chatter only when something is wrong.
  Runtime.install({ logger: new DefaultLogger('WARN') });

  say('Starting a local Temporal dev server (the first run builds the Temporal CLI)...');
  // The workflow code is bundled while the server starts (a source checkout has no prebuilt bundle).
  const [server, workflowBundle] = await Promise.all([
    startDevServer({ ui: true, dbFilename: join(out, 'temporal.sqlite'), log: say }),
    demoWorkflowBundle(),
  ]);
  const simulator = await startSimulator({ queuedMs: 1000, processingMs: 3000 }); // a 4 s job: the demo shows, not waits
  say(`Temporal:          ${server.address}`);
  say(`Temporal Web UI:   ${server.uiUrl}`);
  say(`Gateway simulator: ${simulator.url} (infery dialect)`);

  const taskQueue = 'video-generation';
  const worker = await createVideoWorker({
    connection: server.env.nativeConnection,
    taskQueue,
    dependencies: {
      gateway: createGateway('infery', { baseUrl: simulator.url, apiKey: simulator.apiKey }),
      store: new FolderStore(join(out, 'videos')),
      download: { allowLoopback: true },
      simulated: true,
    },
    workflowBundle,
  });
  const running = worker.run();
  try {
    const videos = new VideoClient(server.env.client, { taskQueue });
    const input: GenerateVideoInput = {
      prompt: options.prompt,
      model: options.model,
      duration_seconds: 4,
      resolution: '720p',
      aspect_ratio: '16:9',
    };
    const job = await videos.start(input);
    say(`GenerateVideo ${job.workflowId}: ${server.uiUrl}/namespaces/default/workflows/${job.workflowId}`);
    await showProgress(job);
    const result = await job.result();
    const resultPath = join(out, `${job.workflowId}.result.json`);
    writeFileSync(resultPath, `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
    say('');
    say(`MP4:    ${fileURLToPath(result.video.uri)} (${result.video.bytes} bytes, sha256 ${result.video.sha256})`);
    say(`Result: ${resultPath}`);
    say(`Web UI: ${server.uiUrl}/namespaces/default/workflows/${job.workflowId}`);
    if (options.keep) {
      say('\nThe dev server and Web UI stay up so you can look around. Press Ctrl-C to stop.');
      await new Promise<void>((done) => process.once('SIGINT', () => done()));
    }
  } finally {
    // The worker shuts itself down on SIGINT too; only ask if it has not begun.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await simulator.close();
    await server.stop();
  }
}

/** The package's prebuilt bundle, or (in a source checkout) one bundled now, quietly. */
async function demoWorkflowBundle(): Promise<WorkflowBundleOption> {
  const prebuilt = prebuiltBundle();
  if ('path' in prebuilt) return { codePath: prebuilt.path };
  return bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: quietBundlerLogger() });
}
