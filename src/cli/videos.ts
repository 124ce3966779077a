/** Find, inspect and steer videos on any Temporal (TEMPORAL_* / profiles): status, list, cancel, fallback, result. */
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Command } from 'commander';
import { FailureType, WorkflowType } from '../contract';
import { failureDetails } from '../workflows/video-failures';
import { estimatedSpend, type VideoProgress } from '../workflows/messages';
import { output, withClient } from './output';

function progressLines(p: VideoProgress): string[] {
  const credits = estimatedSpend(p.attempts);
  return [
    `${p.status} ${p.progress}%  model ${p.model}  job ${p.job_id ?? '-'}${p.upstream_status ? ` (${p.upstream_status})` : ''}`,
    `elapsed ${Math.round(p.elapsed_ms / 1000)} s, deadline ${p.deadline}, ~${credits} credits`,
    ...p.attempts.map(
      (a) =>
        `  #${a.attempt} ${a.model} ${a.outcome}${a.job_id ? ` job ${a.job_id}` : ''}` +
        `${a.error_type ? ` ${a.error_type}: ${a.error ?? ''}` : ''}${a.upstream_cancel ? ` (upstream ${a.upstream_cancel})` : ''}`,
    ),
  ];
}

/** A visibility query from the filters, each value quoted for the query language. */
export function listQuery(filters: { status?: string; model?: string; campaign?: string }): string {
  const quote = (value: string) => `"${value.replace(/["\\]/g, '\\$&')}"`;
  return [
    `WorkflowType = ${quote(WorkflowType.generateVideo)}`,
    filters.status && `VideoStatus = ${quote(filters.status)}`,
    filters.model && `VideoModel = ${quote(filters.model)}`,
    filters.campaign && `VideoCampaignId = ${quote(filters.campaign)}`,
  ]
    .filter(Boolean)
    .join(' AND ');
}

export function addVideoCommands(program: Command): void {
  program
    .command('status <id>')
    .description("a video's progress, attempts and credits")
    .option('--json', 'print JSON')
    .action((id: string, options: { json?: boolean }) =>
      withClient(async (videos) => output(options.json, await videos.job(id).progress(), progressLines)),
    );

  program
    .command('list')
    .description('videos, newest first, filtered by their search attributes')
    .option('--status <status>', 'queued | processing | mirroring | succeeded | failed | cancelled | timed_out')
    .option('--model <id>', 'the model')
    .option('--campaign <id>', 'the campaign (VideoCampaign workflow id)')
    .option('--limit <n>', 'at most this many', (v) => Number(v), 20)
    .option('--json', 'print JSON')
    .action((options: { status?: string; model?: string; campaign?: string; limit: number; json?: boolean }) =>
      withClient(async (videos) => {
        const rows = [];
        for await (const w of videos.client.workflow.list({ query: listQuery(options), pageSize: options.limit })) {
          const attribute = (name: string) => w.typedSearchAttributes.getAll().find((p) => p.key.name === name)?.value;
          rows.push({
            workflow_id: w.workflowId,
            execution_status: w.status.name,
            status: attribute('VideoStatus'),
            model: attribute('VideoModel'),
            job_id: attribute('VideoJobId'),
            credits_estimated: attribute('VideoCreditsEstimated'),
            failure_type: attribute('VideoFailureType'),
            started_at: w.startTime.toISOString(),
          });
          if (rows.length >= options.limit) break;
        }
        output(options.json, rows, (list) =>
          list.length
            ? list.map(
                (r) =>
                  `${r.workflow_id}  ${r.status ?? r.execution_status}  ${r.model ?? '-'}  job ${r.job_id ?? '-'}` +
                  `  ~${r.credits_estimated ?? 0} credits${r.failure_type ? `  ${r.failure_type}` : ''}`,
              )
            : ['no videos match'],
        );
      }),
    );

  program
    .command('cancel <id>')
    .description('cancel a video (its upstream job too)')
    .option('--reason <text>', 'why, recorded on the attempt')
    .action((id: string, options: { reason?: string }) =>
      withClient(async (videos) => {
        await videos.job(id).cancel(options.reason);
        console.log(`cancel requested for ${id}`);
      }),
    );

  program
    .command('fallback <id>')
    .description('abandon the current upstream job and go on with another model (refused with the reason)')
    .option('--model <id>', 'the model to move to (default: the next in the chain)')
    .option('--reason <text>', 'why')
    .option('--json', 'print JSON')
    .action((id: string, options: { model?: string; reason?: string; json?: boolean }) =>
      withClient(async (videos) => {
        try {
          const accepted = await videos.job(id).requestFallback({ model: options.model, reason: options.reason });
          output(options.json, accepted, (a) => [`falling back to ${a.model}`]);
        } catch (error) {
          if (error instanceof WorkflowUpdateFailedError) throw new Error(`refused: ${error.cause?.message}`);
          throw error;
        }
      }),
    );

  program
    .command('result <id>')
    .description("wait for a video's result; a failure prints its type and message")
    .option('--json', 'print JSON')
    .action((id: string, options: { json?: boolean }) =>
      withClient(async (videos) => {
        try {
          const result = await videos.job(id).result();
          output(options.json, result, (r) => [
            `succeeded: ${r.video.uri}`,
            `sha256 ${r.video.sha256}, ${r.video.bytes} bytes`,
          ]);
        } catch (error) {
          if (!(error instanceof WorkflowFailedError)) throw error;
          const cause = error.cause as { type?: string; message?: string } | undefined;
          const details = failureDetails(error.cause);
          const failure = {
            type: cause?.type ?? FailureType.Cancelled,
            message: cause?.message ?? error.message,
            ...details,
          };
          output(options.json, failure, (f) => [`${f.type}: ${f.message}`]);
          process.exitCode = 1;
        }
      }),
    );
}
