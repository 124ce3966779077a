/**
 * `npm run build:workflows [-- --out file]`: bundle the workflow code once, for production workers
 * (`VIDEO_WORKFLOW_BUNDLE=<file> npm run worker`). A worker given a bundle starts faster and keeps
 * about 130 MB less memory than one that runs webpack as it starts. Rebuild it with every deploy: the
 * bundle is the workflow code the worker runs.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { WORKFLOW_TRACING_MODULE } from '../src/operations/tracing';
import { WORKFLOW_BUNDLE_OPTIONS } from '../src/workflow-bundle';

export async function buildWorkflowBundle(out: string, options: { tracing?: boolean } = {}): Promise<string> {
  const { code } = await bundleWorkflowCode({
    ...WORKFLOW_BUNDLE_OPTIONS,
    workflowInterceptorModules: options.tracing ? [WORKFLOW_TRACING_MODULE] : [],
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, code);
  return out;
}

if (require.main === module) {
  const { out, tracing } = new Command('build:workflows')
    .option('--out <file>', 'where to write the bundle', 'lib/workflow-bundle.js')
    .option('--tracing', 'with the OpenTelemetry workflow interceptors, for workers that trace (OTEL_* set)')
    .parse()
    .opts<{ out: string; tracing?: boolean }>();
  buildWorkflowBundle(resolve(out), { tracing }).then(
    (file) => console.log(`Workflow bundle written to ${file}; run workers with VIDEO_WORKFLOW_BUNDLE=${file}`),
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
