/**
 * A video made inside one activity (`row_runner: "activity"`): the decisions of its loop with a fake
 * activity context and a fake gateway, no server. What must hold: one submit per attempt with a stable
 * key, a retried activity resumes its heartbeated job, only the caller's cancel (never a worker
 * shutdown) cancels the job upstream, the deadline ends it, an outage is waited out.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { BUILTIN_CATALOG } from '../../src/catalog';
import { parseGenerateVideoInput } from '../../src/request';
import type { GatewayJob } from '../../src/gateway/types';
import type { MirrorOutput, SubmitInput } from '../../src/activities/types';
import {
  videoInActivity as attempt,
  type VideoInActivityDependencies,
  type VideoInActivityInput,
} from '../../src/activities/video-in-activity';
import type { VideoResult } from '../../src/workflows/messages';
import { failureDetails } from '../../src/workflows/video-failures';
import type { CarriedState } from '../../src/workflows/video-run';

/** An activity context whose cancel can be triggered, for the caller's reason or a worker's. */
function fakeContext(heartbeatDetails?: unknown) {
  const abort = new AbortController();
  const beats: { state: CarriedState }[] = [];
  let details: { cancelRequested: boolean } | undefined;
  const context = {
    info: { heartbeatDetails, scheduledTimestampMs: Date.now() },
    heartbeat: (d: { state: CarriedState }) => beats.push(structuredClone(d)),
    sleep: (ms: number) =>
      new Promise<void>((resolve, reject) => {
        if (abort.signal.aborted) return reject(new CancelledFailure('CANCELLED'));
        const onAbort = () => {
          clearTimeout(timer);
          reject(new CancelledFailure('CANCELLED'));
        };
        const timer = setTimeout(
          () => {
            abort.signal.removeEventListener('abort', onAbort);
            resolve();
          },
          Math.min(ms, 20),
        );
        abort.signal.addEventListener('abort', onAbort, { once: true });
      }),
    cancellationSignal: abort.signal,
    get cancellationDetails() {
      return details;
    },
    log: { warn: () => undefined, error: () => undefined },
    metricMeter: { createCounter: () => ({ add: () => undefined }) },
  } as unknown as Context;
  const cancel = (cancelRequested: boolean) => {
    details = { cancelRequested };
    abort.abort();
  };
  return { context, beats, cancel };
}

/** A gateway whose job goes through these statuses, one per check, then stays on the last. */
function fakeWorld(statuses: GatewayJob['status'][], options: { failChecks?: number } = {}) {
  const submits: SubmitInput[] = [];
  const cancels: string[] = [];
  let checks = 0;
  let failChecks = options.failChecks ?? 0;
  const deps: VideoInActivityDependencies = {
    cancel: async (input) => ({ supported: true, cancelled: cancels.push(input.job_id) > 0 }),
    checkRequest: async (input) => parseGenerateVideoInput(input),
    loadCatalog: async () => ({ catalog: BUILTIN_CATALOG, source: 'builtin' }),
    submit: async (input) => {
      submits.push(input);
      return { job_id: `job-${submits.length}`, status: 'queued', upstream_status: 'queued' };
    },
    check: async (input) => {
      if (failChecks-- > 0) throw ApplicationFailure.create({ type: 'ProviderFailed', message: 'gateway down' });
      const status = statuses[Math.min(checks++, statuses.length - 1)];
      return {
        job_id: input.job_id,
        status,
        upstream_status: status,
        ...(status === 'succeeded' ? { video_url: 'https://gateway/v.mp4' } : {}),
      };
    },
    mirror: async (owner) =>
      ({
        video: {
          uri: `file:///store/${owner}/video.mp4`,
          url: '',
          sha256: 'abc',
          bytes: 10,
          content_type: 'video/mp4',
        },
      }) as MirrorOutput,
  };
  return { deps, submits, cancels, checks: () => checks };
}

/** Run one attempt's activity and expect the video. */
async function videoInActivity(...args: Parameters<typeof attempt>): Promise<VideoResult> {
  const outcome = await attempt(...args);
  assert.ok('video' in outcome, 'the attempt made the video');
  return outcome.video;
}

const input = (request: Record<string, unknown> = {}): VideoInActivityInput => ({
  request: { prompt: 'a cat', model: 'wan-2-1', poll_interval: '200ms', ...request },
  video_id: 'campaign-1/row-1',
  key_scope: 'run-1',
});

describe('a video made inside one activity', () => {
  test('submits once with the attempt key, heartbeats the job id, polls to the end and mirrors under its own name', async () => {
    const { context, beats } = fakeContext();
    const world = fakeWorld(['queued', 'processing', 'succeeded']);
    const result = await videoInActivity(context, input(), world.deps);
    assert.equal(result.status, 'succeeded');
    assert.equal(result.job_id, 'job-1');
    assert.equal(result.video.uri, 'file:///store/campaign-1/row-1/video.mp4');
    assert.deepEqual(
      world.submits.map((s) => s.idempotency_key),
      ['campaign-1/row-1/run-1/1'],
    );
    assert.ok(
      beats.some((b) => b.state.attempts[0]?.job_id === 'job-1'),
      'the job id is heartbeated, for a retried activity to find',
    );
  });

  test('a retried activity resumes the heartbeated job: no second submit', async () => {
    const first = fakeContext();
    const world = fakeWorld(['queued', 'queued', 'queued', 'queued', 'processing']);
    const running = videoInActivity(first.context, input({ timeout: '1s' }), world.deps).catch(() => undefined);
    while (!first.beats.some((b) => b.state.attempts[0]?.job_id)) await new Promise((r) => setTimeout(r, 5));
    const heartbeated = first.beats[first.beats.length - 1];
    first.cancel(false); // the worker goes away: the job must stay
    await running;
    assert.deepEqual(world.cancels, [], 'a worker going away never cancels the job upstream');

    const retry = fakeContext(heartbeated);
    const resumed = fakeWorld(['succeeded']);
    const result = await videoInActivity(retry.context, input({ timeout: '1s' }), resumed.deps);
    assert.equal(result.job_id, 'job-1', 'the job submitted before the crash');
    assert.equal(resumed.submits.length, 0, 'nothing submitted again');
  });

  test("the caller's cancel cancels the live job upstream and ends Cancelled, with what was paid", async () => {
    const { context, beats, cancel } = fakeContext();
    const world = fakeWorld(['processing']);
    const running = videoInActivity(context, input(), world.deps);
    while (!beats.some((b) => b.state.attempts[0]?.job_id)) await new Promise((r) => setTimeout(r, 5));
    cancel(true);
    const failure = await running.then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e as ApplicationFailure,
    );
    assert.equal(failure.type, 'Cancelled');
    assert.equal(failure.nonRetryable, true);
    assert.deepEqual(world.cancels, ['job-1']);
    const [attempt] = failureDetails(failure)!.attempts;
    assert.equal(attempt.outcome, 'cancelled');
    assert.equal(attempt.upstream_cancel, 'cancelled');
    assert.equal(attempt.job_id, 'job-1');
  });

  test('a cancel while the submit is in flight still learns the job id, and cancels that job', async () => {
    const { context, cancel } = fakeContext();
    const world = fakeWorld(['processing']);
    const submit = world.deps.submit;
    world.deps.submit = async (request, abort) => {
      cancel(true); // arrives while the gateway is still answering
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(abort.aborted, false, 'the submit is not aborted by the cancel');
      return submit(request, abort);
    };
    await assert.rejects(videoInActivity(context, input(), world.deps), { type: 'Cancelled' });
    assert.deepEqual(world.cancels, ['job-1'], 'the job the gateway made is cancelled, not left running');
  });

  test('an attempt the gateway would not take hands the run back; the next activity pays the next model', async () => {
    const world = fakeWorld(['succeeded']);
    const submit = world.deps.submit;
    world.deps.submit = async (request, abort) => {
      if (request.request.model === 'grok-video') {
        throw ApplicationFailure.create({ type: 'QuotaExceeded', message: 'quota', nonRetryable: true });
      }
      return submit(request, abort);
    };
    const first = await attempt(
      fakeContext().context,
      input({ model: 'grok-video', fallback_models: ['wan-2-1'] }),
      world.deps,
    );
    assert.ok('next_attempt' in first, 'back to the campaign before another model is paid');
    assert.deepEqual(
      first.next_attempt.attempts.map((a) => [a.model, a.outcome]),
      [['grok-video', 'failed']],
      'nothing counted for the next attempt before it is submitted',
    );
    assert.equal(first.next_attempt.pending_fallback?.model, 'wan-2-1', 'the next model chosen before the hand-back');
    assert.equal(world.submits.length, 0, 'nothing paid');

    const next = { ...input({ model: 'grok-video', fallback_models: ['wan-2-1'] }), carried: first.next_attempt };
    const video = await videoInActivity(fakeContext().context, next, world.deps);
    assert.equal(video.model, 'wan-2-1');
    assert.deepEqual(
      world.submits.map((s) => s.idempotency_key),
      ['campaign-1/row-1/run-1/2'],
      'the second attempt, by its own key',
    );
  });

  test('a retry that resumes after its attempt ended hands back; it never starts the next model itself', async () => {
    const world = fakeWorld(['succeeded']);
    world.deps.submit = async () => {
      throw ApplicationFailure.create({ type: 'QuotaExceeded', message: 'quota', nonRetryable: true });
    };
    const request = input({ model: 'grok-video', fallback_models: ['wan-2-1'] });
    const first = await attempt(fakeContext().context, request, world.deps);
    assert.ok('next_attempt' in first);
    // As if the worker died after heartbeating the ended attempt, before handing back.
    const { pending_fallback: _chosen, ...heartbeated } = first.next_attempt;
    const resumed = fakeWorld(['succeeded']);
    const retried = await attempt(fakeContext({ state: heartbeated }).context, request, resumed.deps);
    assert.ok('next_attempt' in retried, 'handed back');
    assert.equal(resumed.submits.length, 0, 'nothing submitted');
    assert.equal(retried.next_attempt.pending_fallback?.model, 'wan-2-1');
  });

  test('a cancel during a submit outage stops trying at once; the unconfirmed attempt is recorded as such', async () => {
    const { context, cancel } = fakeContext();
    const world = fakeWorld(['processing']);
    let tries = 0;
    world.deps.submit = async () => {
      tries++;
      cancel(true);
      throw ApplicationFailure.create({
        type: 'ProviderFailed',
        message: 'bad gateway',
        details: [{ http_status: 502 }],
      });
    };
    const failure = await attempt(context, input(), world.deps).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e as ApplicationFailure,
    );
    assert.equal(failure.type, 'Cancelled');
    assert.equal(tries, 1, 'no further submit after the cancel (not held to the deadline)');
    assert.deepEqual(world.cancels, []);
    assert.equal(failureDetails(failure)!.attempts[0].upstream_cancel, 'unknown_job');
  });

  test('a row with a callback_url is refused: an activity sends no callback', async () => {
    const world = fakeWorld(['succeeded']);
    await assert.rejects(
      attempt(fakeContext().context, input({ callback_url: 'https://example.com/hook' }), world.deps),
      {
        type: 'InvalidInput',
      },
    );
    assert.equal(world.submits.length, 0);
  });

  test('the deadline ends the run as Timeout and cancels the job upstream', async () => {
    const { context } = fakeContext();
    const world = fakeWorld(['processing']);
    const failure = await videoInActivity(context, input({ timeout: '1s' }), world.deps).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e as ApplicationFailure,
    );
    assert.equal(failure.type, 'Timeout');
    assert.deepEqual(world.cancels, ['job-1']);
    assert.equal(world.submits.length, 1);
  });

  test('an outage of status checks is waited out; the paid job is never replaced', async () => {
    const { context } = fakeContext();
    const world = fakeWorld(['processing', 'succeeded'], { failChecks: 4 });
    const result = await videoInActivity(context, input(), world.deps);
    assert.equal(result.status, 'succeeded');
    assert.equal(world.submits.length, 1);
    assert.ok(world.checks() >= 2);
  });

  test('a refusal at submit ends the run with its own type; a bad request fails before any submit', async () => {
    const { context } = fakeContext();
    const world = fakeWorld(['succeeded']);
    world.deps.submit = async () => {
      throw ApplicationFailure.create({ type: 'SafetyRefusal', message: 'refused', nonRetryable: true });
    };
    await assert.rejects(videoInActivity(context, input(), world.deps), { type: 'SafetyRefusal' });
    await assert.rejects(videoInActivity(context, input({ duration_seconds: -1 }), fakeWorld([]).deps), {
      type: 'InvalidInput',
    });
  });
});
