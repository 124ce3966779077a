/**
 * poll_mode "activity" hands a job back to its workflow only for an ending (a new status word is told
 * by signal while the watch goes on), never for progress alone; progress still reaches the client, the
 * CLI and the UI through the watch's heartbeat details. Counts of workflow tasks and watches, never
 * timings: waits are for states.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { temporal } from '@temporalio/proto';
import { jobPhase } from '../src/simulator/jobs';
import { runCli } from './helpers/worker-process';
import { eventually, failureOf, startWorld, type World } from './helpers/world';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

describe('poll_mode "activity": hand-overs only for endings; status news by signal', () => {
  let world: World;
  before(async () => {
    // infery reports progress figures (infrai gives none: the client estimates, as the unit tests show).
    world = await startWorld({ dialect: 'infery' });
  });
  after(async () => {
    await world?.close();
  });

  const history = async (workflowId: string): Promise<HistoryEvent[]> =>
    (await world.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const watchesIn = (events: HistoryEvent[]) =>
    events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'watchVideoJob').length;
  const watchesDoneIn = (events: HistoryEvent[]) => events.filter((e) => e.activityTaskCompletedEventAttributes).length;
  /** The VideoStatus an upsert event sets, if it sets one. */
  const statusUpserted = (e: HistoryEvent): unknown => {
    const field = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.VideoStatus;
    return field?.data ? JSON.parse(Buffer.from(field.data).toString()) : undefined;
  };
  const workflowTasksIn = (events: HistoryEvent[]) =>
    events.filter((e) => e.workflowTaskCompletedEventAttributes).length;

  test('many progress steps at the gateway, one watch; a new status is told by signal and shown', async () => {
    world.simulator.configure({ queuedMs: 1000, processingMs: 8000 });
    const job = await world.videos.start({ prompt: 'progress only', poll_interval: '200ms', poll_mode: 'activity' });
    const result = await job.result();
    const upstream = world.simulator.jobs.get(result.job_id)!;
    const polls = world.simulator.callsTo('status').filter((c) => c.job_id === result.job_id);
    // What the gateway showed at each status check: many progress figures, and the statuses.
    const progressSteps = new Set(polls.map((c) => jobPhase(upstream, c.at).progress)).size;
    const sawProcessing = polls.some((c) => jobPhase(upstream, c.at).phase === 'processing');
    assert.ok(progressSteps >= 10, `the gateway showed ${progressSteps} progress figures`);
    const events = await history(job.workflowId);
    // One watch for the whole job: the new status word (processing) was told by signal while the
    // watch went on checking, so the cadence at the gateway never paused for a hand-over.
    assert.ok(sawProcessing, 'a check saw the job processing');
    assert.equal(watchesIn(events), 1, `${watchesIn(events)} watches`);
    const told = events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'upstreamStatus');
    assert.equal(told.length, 1, 'processing was told once');
    // ... and shown while the watch still ran: a VideoStatus "processing" upsert before the watch ended.
    const watchEnded = events.find(
      (e) => e.activityTaskCompletedEventAttributes && Number(e.eventId) > Number(told[0].eventId),
    );
    const shown = events.filter(
      (e) =>
        Number(e.eventId) > Number(told[0].eventId) &&
        Number(e.eventId) < Number(watchEnded?.eventId) &&
        statusUpserted(e) === 'processing',
    );
    assert.equal(shown.length, 1, 'VideoStatus became processing before the watch returned');
    assert.ok(
      workflowTasksIn(events) < progressSteps / 2,
      `${workflowTasksIn(events)} workflow tasks for ${progressSteps} progress figures`,
    );
  });

  test('progress still reaches the client, its watch() and the CLI while the watch runs', async () => {
    world.simulator.configure({ queuedMs: 200, processingMs: 120_000 });
    const job = await world.videos.start({ prompt: 'show me progress', poll_interval: '200ms', poll_mode: 'activity' });
    const first = await eventually(
      async () => {
        const p = await job.progress();
        return p.status === 'processing' && p.progress > 0 ? p : undefined;
      },
      30_000,
      'processing with progress',
    );
    assert.equal(first.progress_source, 'upstream');
    const handedOver = watchesDoneIn(await history(job.workflowId));
    // Progress rises through the heartbeat alone: the workflow has not been handed the job again.
    const later = await eventually(
      async () => {
        const p = await job.progress();
        return p.progress > first.progress + 2 ? p : undefined;
      },
      30_000,
      'progress rising',
    );
    assert.equal(later.status, 'processing');
    assert.equal(watchesDoneIn(await history(job.workflowId)), handedOver, 'no hand-over for progress');

    // The client's watch(): snapshots of rising progress, as the CLI's progress bar shows them.
    const seen: number[] = [];
    for await (const snapshot of job.watch({ intervalMs: 200 })) {
      seen.push(snapshot.progress);
      if (seen.length >= 3) break;
    }
    assert.ok(seen[2] > seen[0], `watch() saw ${seen.join(', ')}`);

    // The CLI's status command, run as a user's shell runs it.
    const status = await runCli(['status', job.workflowId, '--json'], {
      TEMPORAL_ADDRESS: world.server.address,
      VIDEO_TASK_QUEUE: world.taskQueue,
    });
    assert.equal(status.code, 0, status.stderr);
    const shown = JSON.parse(status.stdout) as { status: string; progress: number };
    assert.equal(shown.status, 'processing');
    assert.ok(shown.progress >= later.progress, `the CLI showed ${shown.progress}%`);
    assert.equal(watchesDoneIn(await history(job.workflowId)), handedOver, 'still no hand-over for progress');

    await job.cancel('seen enough');
    assert.equal((await failureOf(job.result())).type, 'Cancelled');
  });
});
