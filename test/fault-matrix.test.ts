/**
 * The fault x phase matrix of spend safety, on a real dev server against the infrai simulator (it can
 * cancel upstream). Phases: submitting, queued, processing, mirroring. Events: cancel signal, Temporal
 * cancellation, fallback signal, deadline, worker SIGKILL, status outage, unfamiliar status word, a
 * submit answered 409/5xx after the job was made. Every cell checks how the job ended, how many
 * upstream jobs were paid for, and that every job left behind was cancelled upstream.
 *
 * Cells that do not apply, and why:
 * - status outage and unfamiliar word while submitting: no status is checked before the job id is
 *   known (an unfamiliar word in the submit answer itself is covered);
 * - status outage and unfamiliar word while mirroring: the job has ended; nothing polls any more;
 * - a submit answered 409/5xx while queued, processing or mirroring: the submit is over by then.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { VideoClient, type VideoJob } from '../src/client';
import type { SimJob } from '../src/simulator/jobs';
import { failureDetails } from '../src/workflows/video-failures';
import { kill, WorkerProcesses } from './helpers/worker-process';
import { eventually, failureOf, startWorld, type World } from './helpers/world';

type Phase = 'submitting' | 'queued' | 'processing' | 'mirroring';
const PHASES: Phase[] = ['submitting', 'queued', 'processing', 'mirroring'];
const FAST = { queuedMs: 200, processingMs: 500 };

/** The simulator arranged so a job stays in `phase` long enough to act there. */
function arrange(world: World, phase: Phase): void {
  world.simulator.faults.clear();
  if (phase === 'submitting') {
    world.simulator.configure(FAST);
    world.simulator.addFault({ route: 'submit', delayMs: 2000 });
  } else if (phase === 'queued') world.simulator.configure({ queuedMs: 60_000, processingMs: 500 });
  else if (phase === 'processing') world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
  else {
    world.simulator.configure(FAST);
    // The 62 KB sample at 8 KB/s: several seconds of mirroring.
    world.simulator.addFault({ route: 'video', bytesPerSecond: 8000, times: 10 });
  }
}

/** Wait until the job is in `phase`. */
async function reach(world: World, job: VideoJob, phase: Phase): Promise<void> {
  if (phase === 'submitting') {
    await eventually(
      () => world.simulator.calls.some((c) => c.route === 'submit' && c.status === 0),
      20_000,
      'submit in flight',
    );
    return;
  }
  await eventually(
    async () => {
      const p = await job.progress().catch(() => undefined);
      return p?.status === phase && !!p.job_id;
    },
    30_000,
    phase,
  );
}

/** Upstream jobs made for this workflow (its idempotency keys start with the workflow id). */
function paidJobs(world: World, workflowId: string): SimJob[] {
  return [...world.simulator.jobs.values()].filter((j) => j.idempotency_key?.startsWith(`${workflowId}/`));
}

/** Every paid job that did not deliver our video must have been cancelled upstream. */
function assertNothingLeftRunning(world: World, workflowId: string, delivered?: string): void {
  for (const job of paidJobs(world, workflowId)) {
    if (job.id === delivered) continue;
    assert.ok(job.cancelled_ms !== undefined, `job ${job.id} (${job.model}) was left running upstream`);
  }
}

async function temporalCancelled(job: VideoJob): Promise<void> {
  const error = await job.result().then(
    () => assert.fail('expected a cancellation'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WorkflowFailedError && error.cause instanceof CancelledFailure, String(error));
  assert.equal((await job.handle.describe()).status.name, 'CANCELLED');
}

describe('fault x phase matrix (infrai)', () => {
  let world: World;
  let n = 0;
  before(async () => {
    world = await startWorld({ dialect: 'infrai' });
  });
  afterEach(() => {
    world.simulator.faults.clear();
    world.simulator.configure(FAST);
  });
  after(async () => {
    await world?.close();
  });

  const start = (input: Record<string, unknown> = {}) =>
    world.videos.start({ prompt: `matrix ${++n}`, poll_interval: '200ms', ...input });

  for (const phase of PHASES) {
    test(`cancel signal while ${phase}: Cancelled, one paid job, nothing left running`, async () => {
      arrange(world, phase);
      const job = await start();
      await reach(world, job, phase);
      await job.cancel('changed my mind');
      const failure = await failureOf(job.result());
      assert.equal(failure.type, 'Cancelled');
      assert.match(failure.message, /changed my mind/);
      assert.equal(paidJobs(world, job.workflowId).length, 1);
      const progress = await job.progress();
      assert.equal(progress.status, 'cancelled');
      if (phase === 'mirroring') {
        // The video was made: nothing to cancel upstream, and the failure says where it is.
        const details = failureDetails(failure);
        assert.ok(details?.provider_url, 'the video upstream is named');
        assert.equal(details?.job_id, progress.attempts[0].job_id);
        assert.match(failure.message, /the video exists upstream/);
        assert.equal(progress.attempts[0].upstream_cancel, undefined);
      } else {
        assertNothingLeftRunning(world, job.workflowId);
        assert.equal(progress.attempts[0].upstream_cancel, 'cancelled');
      }
    });

    test(`Temporal cancellation while ${phase}: CANCELLED, one paid job, nothing left running`, async () => {
      arrange(world, phase);
      const job = await start();
      await reach(world, job, phase);
      await job.handle.cancel();
      await temporalCancelled(job);
      assert.equal(paidJobs(world, job.workflowId).length, 1);
      const progress = await job.progress();
      assert.equal(progress.status, 'cancelled');
      if (phase === 'mirroring') assert.ok(progress.attempts[0].provider_url, 'the attempt names the video upstream');
      else assertNothingLeftRunning(world, job.workflowId);
    });

    const fallbackOutcome =
      phase === 'mirroring' ? 'refused, the video is kept' : 'the next model delivers, the first job is cancelled';
    test(`fallback signal while ${phase}: ${fallbackOutcome}`, async () => {
      arrange(world, phase);
      const job = await start({ model: 'veo-3-1-fast', fallback_models: ['wan-2-1'] });
      await reach(world, job, phase);
      world.simulator.configure(FAST); // the next model's job finishes quickly
      await job.fallback({ reason: 'operator' });
      const result = await job.result();
      const paid = paidJobs(world, job.workflowId);
      if (phase === 'mirroring') {
        assert.equal(result.model, 'veo-3-1-fast');
        assert.equal(paid.length, 1);
        assert.match((await job.progress()).rejected_requests[0].problem, /already generated/);
      } else {
        assert.equal(result.model, 'wan-2-1');
        assert.equal(paid.length, 2);
        assert.equal(result.attempts[0].outcome, 'abandoned');
        assertNothingLeftRunning(world, job.workflowId, result.job_id);
      }
    });

    test(`deadline while ${phase}: Timeout, at most one paid job, nothing left running that we know of`, async () => {
      arrange(world, phase);
      // Submitting: the gateway answers 2 s after the submit, past a 1.5 s deadline.
      const job = await start({
        timeout: { submitting: '1500ms', queued: '2s', processing: '2s', mirroring: '3s' }[phase],
      });
      const failure = await failureOf(job.result());
      assert.equal(failure.type, 'Timeout');
      const progress = await job.progress();
      assert.equal(progress.status, 'timed_out');
      assert.ok(paidJobs(world, job.workflowId).length <= 1);
      const attempt = progress.attempts[0];
      if (phase === 'submitting') {
        // The gateway never answered before the deadline: the job may exist, and the attempt says so.
        assert.equal(attempt.upstream_cancel, 'unknown_job');
      } else if (phase === 'mirroring') {
        assert.ok(failureDetails(failure)?.provider_url, 'a video made in time is named even if not copied');
      } else {
        assertNothingLeftRunning(world, job.workflowId);
        assert.equal(attempt.upstream_cancel, 'cancelled');
      }
    });
  }

  for (const phase of ['queued', 'processing'] as const) {
    test(`status outage while ${phase}: waited out, the same job delivers, one paid job`, async () => {
      arrange(world, phase);
      const job = await start({ fallback_models: ['wan-2-1'] });
      await reach(world, job, phase);
      world.simulator.addFault({ route: 'status', status: 503, times: 8 });
      await eventually(async () => (await job.progress()).poll_failures > 0, 20_000, 'a failed status round');
      world.simulator.jobs.get((await job.progress()).job_id!)!.created_ms -= 120_000; // let it finish now
      const result = await job.result();
      assert.equal(result.attempts.length, 1, 'no other model was paid for an outage');
      assert.equal(paidJobs(world, job.workflowId).length, 1);
    });

    test(`Temporal cancellation during a status outage while ${phase}: CANCELLED, no other model paid`, async () => {
      arrange(world, phase);
      const job = await start({ fallback_models: ['wan-2-1'] });
      await reach(world, job, phase);
      world.simulator.addFault({ route: 'status', status: 503, times: 1000 });
      await eventually(() => world.simulator.callsTo('status', 503).length >= 2, 20_000, 'status checks failing');
      await job.handle.cancel();
      await temporalCancelled(job);
      assert.equal(paidJobs(world, job.workflowId).length, 1, 'the cancel did not become a fallback');
      assertNothingLeftRunning(world, job.workflowId);
    });

    test(`cancel signal during a status outage while ${phase}: Cancelled at once, no other model paid`, async () => {
      arrange(world, phase);
      const job = await start({ fallback_models: ['wan-2-1'] });
      await reach(world, job, phase);
      world.simulator.addFault({ route: 'status', status: 503, times: 1000 });
      await eventually(() => world.simulator.callsTo('status', 503).length >= 2, 20_000, 'status checks failing');
      await job.cancel('outage');
      assert.equal((await failureOf(job.result())).type, 'Cancelled');
      assert.equal(paidJobs(world, job.workflowId).length, 1);
      assertNothingLeftRunning(world, job.workflowId);
    });

    test(`unfamiliar status word while ${phase}: still working, shown, the same job delivers`, async () => {
      arrange(world, phase);
      const job = await start({ fallback_models: ['wan-2-1'] });
      await reach(world, job, phase);
      world.simulator.addFault({ route: 'status', statusWord: 'upscaling_v2', times: 6 });
      await eventually(
        async () => (await job.progress()).upstream_status === 'upscaling_v2',
        20_000,
        'upstream_status shown',
      );
      world.simulator.jobs.get((await job.progress()).job_id!)!.created_ms -= 120_000;
      const result = await job.result();
      assert.equal(result.attempts.length, 1);
      assert.deepEqual(result.attempts[0].unfamiliar_statuses, ['upscaling_v2']);
      assert.equal(paidJobs(world, job.workflowId).length, 1);
    });

    test(`unfamiliar status word until the deadline while ${phase}: Timeout, cancelled upstream, one paid job`, async () => {
      arrange(world, phase);
      const job = await start({ timeout: '2s', fallback_models: ['wan-2-1'] });
      await reach(world, job, phase);
      world.simulator.addFault({ route: 'status', statusWord: 'mystery', times: 1000 });
      assert.equal((await failureOf(job.result())).type, 'Timeout');
      assert.equal(paidJobs(world, job.workflowId).length, 1);
      assertNothingLeftRunning(world, job.workflowId);
    });
  }

  test('unfamiliar status word in the submit answer: the job is taken and delivers', async () => {
    world.simulator.addFault({ route: 'submit', statusWord: 'accepted_for_review' });
    const job = await start();
    const result = await job.result();
    assert.equal(result.status, 'succeeded');
    assert.equal(paidJobs(world, job.workflowId).length, 1);
  });

  for (const status of [409, 500, 502]) {
    test(`submitting: a ${status} after the job was made is retried with the same key, one paid job`, async () => {
      world.simulator.addFault({ route: 'submit', status, afterWork: true, times: 2 });
      const job = await start({ fallback_models: ['wan-2-1'] });
      const result = await job.result();
      assert.equal(result.model, 'veo-3-1-fast', 'no second model while the first job may exist');
      assert.equal(paidJobs(world, job.workflowId).length, 1);
      const submits = world.simulator
        .callsTo('submit')
        .filter((c) => c.idempotency_key?.startsWith(`${job.workflowId}/`));
      assert.equal(submits.length, 3);
      assert.equal(new Set(submits.map((c) => c.idempotency_key)).size, 1, 'one key for every try');
    });
  }

  test('submitting: answers that keep failing after the job was made end at the deadline, never a second model', async () => {
    world.simulator.addFault({ route: 'submit', status: 500, afterWork: true, times: 1000 });
    const job = await start({ timeout: '6s', fallback_models: ['wan-2-1'] });
    const failure = await failureOf(job.result());
    assert.equal(failure.type, 'Timeout');
    assert.equal(paidJobs(world, job.workflowId).length, 1);
    assert.deepEqual(
      (await job.progress()).attempts.map((a) => a.model),
      ['veo-3-1-fast'],
    );
  });
});

describe('fault x phase matrix: worker SIGKILL (infrai)', () => {
  let world: World;
  let workers: WorkerProcesses;
  let videos: VideoClient;
  const taskQueue = `matrix-kill-${process.pid}`;
  before(async () => {
    world = await startWorld({ dialect: 'infrai' });
    workers = new WorkerProcesses(world, {
      taskQueue,
      store: mkdtempSync(join(tmpdir(), 'matrix-kill-')),
      dialect: 'infrai',
    });
    videos = new VideoClient(world.client, { taskQueue });
  });
  afterEach(async () => {
    await workers.killAll();
    world.simulator.faults.clear();
  });
  after(async () => {
    await world?.close();
  });

  for (const phase of PHASES) {
    test(`worker killed while ${phase}: a new worker finishes the same job, one paid job`, async () => {
      arrange(world, phase);
      const first = await workers.spawn();
      const job = await videos.start({ prompt: `kill ${phase}`, poll_interval: '300ms' });
      await reach(world, job, phase);
      const jobId = phase === 'submitting' ? undefined : (await job.progress()).job_id; // no queries while no worker runs
      await kill(first);
      if (phase === 'queued' || phase === 'processing') world.simulator.jobs.get(jobId!)!.created_ms -= 120_000;
      await workers.spawn();
      const result = await job.result();
      assert.equal(result.status, 'succeeded');
      assert.equal(paidJobs(world, job.workflowId).length, 1);
      assert.equal(result.video.bytes > 0, true);
    });
  }
});
