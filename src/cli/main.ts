#!/usr/bin/env node
/**
 * The command line: `demo` (npm start), `generate` and `campaign` against a running Temporal, the
 * operations commands (operations.ts), `simulator`.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { VideoClient, type GenerateVideoInput } from '../client';
import { DEFAULT_MODEL } from '../catalog';
import { startSimulator } from '../simulator/server';
import { runDemo } from './demo';
import { addCampaignCommands } from './campaign';
import { addConsoleCommand } from '../console';
import { addOperationCommands } from './operations';
import { showProgress } from './progress';
import { runWorker } from '../worker/run';

const program = new Command()
  .name('durable-video')
  .description('Durable AI video generation on Temporal')
  .showHelpAfterError()
  // `campaign --id X` and `campaign status --id X`: options belong to the command they follow.
  .enablePositionalOptions();

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
};

program
  .command('worker')
  .description(
    'run a worker for the video-generation task queue, configured by environment (VIDEO_*, TEMPORAL_*); ' +
      'with no VIDEO_API_BASE_URL it uses the gateway simulator',
  )
  .action(async () => runWorker());

program
  .command('demo')
  .description('run one GenerateVideo on a local dev server with the gateway simulator; prints the MP4 path')
  .option('--out <dir>', 'where videos, results and the dev server database go', '.video-out')
  .option('--prompt <text>', 'what to generate', 'A vibrant tropical coral reef, slow cinematic dolly-in')
  .option('--model <id>', 'model to use', DEFAULT_MODEL)
  .addOption(
    new Option('--keep', 'keep the Web UI up after the video until Ctrl-C (default when run in a terminal)').default(
      !!process.stdin.isTTY && !process.env.CI,
    ),
  )
  .option('--no-keep', 'exit as soon as the video is stored')
  .action(async (options) => runDemo(options));

program
  .command('generate')
  .description('start a GenerateVideo on the Temporal named by TEMPORAL_* / profiles and wait for it')
  .option('--prompt <text>', 'what to generate')
  .option('--model <id>', 'model to use')
  .option('--json <body>', 'the full request as JSON (or @file.json)')
  .option('--no-wait', 'print the workflow id and return')
  .action(async (options: { prompt?: string; model?: string; json?: string; wait: boolean }) => {
    const body = options.json
      ? JSON.parse(options.json.startsWith('@') ? readFileSync(options.json.slice(1), 'utf8') : options.json)
      : {};
    const input: GenerateVideoInput = {
      ...body,
      ...(options.prompt && { prompt: options.prompt }),
      ...(options.model && { model: options.model }),
    };
    const videos = await VideoClient.connect();
    const job = await videos.start(input);
    console.error(`started ${job.workflowId}`);
    if (!options.wait) return void console.log(job.workflowId);
    await showProgress(job);
    console.log(JSON.stringify(await job.result(), null, 2));
    await videos.client.connection.close();
  });

program
  .command('simulator')
  .description('run the gateway simulator (both dialects) until Ctrl-C')
  .option('--port <port>', 'port on 127.0.0.1', positiveInt, 8787)
  .option('--api-key <key>', 'the Bearer key it accepts', 'sim-key')
  .option('--processing-ms <ms>', 'how long a job takes', positiveInt, 20_000)
  .action(async (options: { port: number; apiKey: string; processingMs: number }) => {
    const simulator = await startSimulator({
      port: options.port,
      apiKey: options.apiKey,
      processingMs: options.processingMs,
    });
    console.log(`Gateway simulator at ${simulator.url} (key: the one you passed with --api-key)`);
    await new Promise<void>((done) => process.once('SIGINT', () => done()));
    await simulator.close();
  });

addCampaignCommands(program);
addOperationCommands(program);
addConsoleCommand(program);

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
