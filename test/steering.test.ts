/** Cancel, deadline and fallback on a real dev server, against the infrai simulator (it can cancel upstream). */
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { SAFETY_REFUSAL } from '../src/simulator/faults';
import { eventually, failureOf, startWorld, type World } from './helpers/world';

describe('steering a running video (infrai)', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ dialect: 'infrai' });
  });
  afterEach(() => {
    world.simulator.faults.clear();
    world.simulator.configure({ queuedMs: 300, processingMs: 1200, infraiStatusUrl: true });
  });
  after(async () => {
    await world?.close();
  });

  const slow = () => world.simulator.configure({ queuedMs: 1500, processingMs: 60_000 });
  const cancelsOf = (jobId: string) => world.simulator.callsTo('cancel').filter((c) => c.job_id === jobId);
  const jobOf = async (job: { progress(): Promise<{ job_id?: string; status: string }> }, status: string) =>
    eventually(
      async () => {
        const p = await job.progress();
        return p.status === status && p.job_id ? p.job_id : undefined;
      },
      20_000,
      status,
    );

  for (const phase of ['queued', 'processing'] as const) {
    test(`cancel signal while ${phase}: cancelled upstream, fails as Cancelled with the reason`, async () => {
      slow();
      const job = await world.videos.start({ prompt: `cancel ${phase}`, poll_interval: '200ms' });
      const jobId = await jobOf(job, phase);
      await job.cancel('customer changed their mind');
      const failure = await failureOf(job.result());
      assert.equal(failure.type, 'Cancelled');
      assert.match(failure.message, /customer changed their mind/);
      assert.equal(cancelsOf(jobId).length, 1, 'the simulator saw the upstream cancel');
      assert.equal(world.simulator.jobs.get(jobId)?.cancelled_ms !== undefined, true);
      const progress = await job.progress();
      assert.equal(progress.status, 'cancelled');
      assert.equal(progress.attempts[0].upstream_cancel, 'cancelled');
    });

    test(`Temporal cancellation while ${phase} behaves the same`, async () => {
      slow();
      const job = await world.videos.start({ prompt: `handle.cancel ${phase}`, poll_interval: '200ms' });
      const jobId = await jobOf(job, phase);
      await job.handle.cancel();
      const error = await job.result().then(
        () => assert.fail('should fail'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof WorkflowFailedError && error.cause instanceof CancelledFailure, String(error));
      assert.equal(cancelsOf(jobId).length, 1);
      assert.equal((await job.handle.describe()).status.name, 'CANCELLED');
    });
  }

  test('a cancel that arrives while submitting still cancels the job submit created', async () => {
    slow();
    world.simulator.addFault({ route: 'submit', delayMs: 1500 });
    const job = await world.videos.start({ prompt: 'cancel during submit', poll_interval: '200ms' });
    await eventually(
      () => world.simulator.calls.some((c) => c.route === 'submit' && c.status === 0),
      10_000,
      'submit in flight',
    );
    await job.handle.cancel();
    await job.result().catch(() => undefined);
    const submitted = world.simulator.callsTo('submit').at(-1)!;
    assert.ok(submitted.job_id);
    assert.equal(cancelsOf(submitted.job_id).length, 1, 'the job created during the cancel was cancelled upstream');
  });

  test('the deadline during processing cancels upstream and fails as Timeout', async () => {
    world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    const job = await world.videos.start({ prompt: 'deadline', poll_interval: '200ms', timeout: '2s' });
    const failure = await failureOf(job.result());
    assert.equal(failure.type, 'Timeout');
    const progress = await job.progress();
    assert.equal(cancelsOf(progress.attempts[0].job_id!).length, 1);
    assert.equal(progress.attempts[0].upstream_cancel, 'cancelled');
  });

  test('automatic fallback on 429: the next model succeeds and both attempts are recorded', async () => {
    world.simulator.addFault({ route: 'submit', model: 'veo-3-1', status: 429, retryAfter: 1, times: 100 });
    const job = await world.videos.start({
      prompt: 'quota',
      model: 'veo-3-1',
      duration_seconds: 8,
      resolution: '1080p',
      fallback_models: ['wan-2-1'],
      poll_interval: '200ms',
    });
    const result = await job.result();
    assert.equal(result.model, 'wan-2-1');
    assert.equal(result.attempts.length, 2);
    assert.equal(result.attempts[0].outcome, 'failed');
    assert.equal(result.attempts[0].error_type, 'QuotaExceeded');
    assert.deepEqual(result.attempts[1].adjustments, ['duration_seconds 8 -> 6', 'resolution 1080p -> 720p']);
    assert.deepEqual(result.params, { duration_seconds: 6, resolution: '720p', aspect_ratio: '16:9' });
    const refused = world.simulator
      .callsTo('submit', 429)
      .filter((c) => c.model === 'veo-3-1')
      .map((c) => c.at);
    assert.equal(refused.length, 4, 'retried by the retry policy before falling back');
    for (let i = 1; i < refused.length; i++)
      assert.ok(refused[i] - refused[i - 1] >= 950, 'not sooner than Retry-After');
    const keys = world.simulator
      .callsTo('submit')
      .slice(-5)
      .map((c) => c.idempotency_key);
    assert.notEqual(keys[0], keys[4], 'a fresh idempotency key for the new model');
    assert.equal(result.credits_estimated, 80, 'only the submitted job is counted: 40 credits x 2 clips');
  });

  test('a status check answered 404 ends the attempt as lost, cancels that job upstream, then falls back', async () => {
    slow();
    const job = await world.videos.start({
      prompt: 'lost job',
      poll_interval: '200ms',
      model: 'veo-3-1-fast',
      fallback_models: ['wan-2-1'],
    });
    const jobId = await jobOf(job, 'processing');
    world.simulator.addFault({ route: 'status', model: 'veo-3-1-fast', status: 404, times: 3 });
    const progress = await eventually(
      async () => {
        const p = await job.progress();
        return p.attempts.length === 2 ? p : undefined;
      },
      20_000,
      'the next model',
    );
    assert.equal(progress.attempts[0].outcome, 'failed');
    assert.match(progress.attempts[0].error ?? '', /lost the job/);
    assert.equal(progress.attempts[0].upstream_cancel, 'cancelled');
    assert.equal(cancelsOf(jobId).length, 1, 'the job the status route lost was cancelled upstream');
    await job.cancel('done');
    await job.result().catch(() => undefined);
  });

  test('automatic fallback on a failed upstream job', async () => {
    world.simulator.addFault({ route: 'submit', model: 'veo-3-1-fast', failJob: 'provider exploded' });
    const job = await world.videos.start({
      prompt: 'fails upstream',
      fallback_models: ['grok-video'],
      poll_interval: '200ms',
    });
    const result = await job.result();
    assert.equal(result.model, 'grok-video');
    assert.equal(result.attempts[0].error_type, 'ProviderFailed');
    assert.equal(result.attempts[0].error, 'provider exploded');
    assert.equal(result.credits_estimated, null, 'grok-video has no published price');
  });

  for (const [name, fault, type] of [
    ['safety refusal', SAFETY_REFUSAL, 'SafetyRefusal'],
    [
      '402 insufficient credit',
      { status: 402, body: { error: { code: 'INSUFFICIENT_CREDIT', message: 'top up' } } },
      'InsufficientCredit',
    ],
  ] as const) {
    test(`no fallback on ${name}`, async () => {
      world.simulator.addFault({ route: 'submit', ...fault });
      const before = world.simulator.callsTo('submit').length;
      const job = await world.videos.start({
        prompt: name,
        fallback_models: ['wan-2-1', 'grok-video'],
        poll_interval: '200ms',
      });
      const failure = await failureOf(job.result());
      assert.equal(failure.type, type);
      assert.equal(world.simulator.callsTo('submit').length - before, 1, 'not retried, not fallen back');
    });
  }

  test('an upstream refusal reported on the job is SafetyRefusal, not fallen back', async () => {
    world.simulator.addFault({ route: 'submit', failJob: 'content policy violation' });
    const job = await world.videos.start({
      prompt: 'refused later',
      fallback_models: ['wan-2-1'],
      poll_interval: '200ms',
    });
    assert.equal((await failureOf(job.result())).type, 'SafetyRefusal');
  });

  test('manual fallback signal mid-job: the first job is cancelled upstream, the named model finishes', async () => {
    world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    const job = await world.videos.start({
      prompt: 'operator steers',
      fallback_models: ['wan-2-1', 'grok-video'],
      poll_interval: '200ms',
    });
    const firstJob = await jobOf(job, 'processing');
    world.simulator.configure({ queuedMs: 200, processingMs: 800 });
    await job.fallback({ model: 'grok-video', reason: 'too slow' });
    const result = await job.result();
    assert.equal(result.model, 'grok-video');
    assert.equal(result.attempts[0].outcome, 'abandoned');
    assert.equal(result.attempts[0].error, 'too slow');
    assert.equal(result.attempts[0].upstream_cancel, 'cancelled');
    assert.equal(cancelsOf(firstJob).length, 1);
  });

  test('invalid fallback requests are refused: by the update at once, by the signal visibly', async () => {
    world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    const job = await world.videos.start({
      prompt: 'bad steering',
      fallback_models: ['wan-2-1'],
      poll_interval: '200ms',
    });
    await jobOf(job, 'processing');
    await assert.rejects(
      job.requestFallback({ model: 'no-such-model' }),
      (e: unknown) => e instanceof WorkflowUpdateFailedError && /unknown model/.test(String(e.cause?.message)),
    );
    await assert.rejects(
      job.requestFallback({ model: 'veo-3-1-fast' }),
      (e: unknown) => e instanceof WorkflowUpdateFailedError && /already tried/.test(String(e.cause?.message)),
    );
    await assert.rejects(
      job.handle.executeUpdate('requestFallback', { args: [{ model: 5, surprise: true }] }),
      (e: unknown) =>
        e instanceof WorkflowUpdateFailedError && /malformed fallback request/.test(String(e.cause?.message)),
    );
    await job.fallback({ model: 'veo-3-1-fast' });
    const progress = await eventually(async () => {
      const p = await job.progress();
      return p.rejected_requests.length ? p : undefined;
    });
    assert.match(progress.rejected_requests[0].problem, /already tried/);
    assert.equal(progress.attempts.length, 1, 'the job goes on');
    world.simulator.configure({ queuedMs: 200, processingMs: 500 });
    assert.deepEqual(await job.requestFallback({}), { model: 'wan-2-1' });
    const result = await job.result();
    assert.equal(result.model, 'wan-2-1');
  });

  test('chain exhausted: AllModelsFailed with every attempt and its cause', async () => {
    world.simulator.addFault({ route: 'submit', model: 'veo-3-1-fast', status: 503, times: 100 });
    world.simulator.addFault({ route: 'submit', model: 'wan-2-1', failJob: 'timeout' });
    const job = await world.videos.start({
      prompt: 'nothing works',
      fallback_models: ['wan-2-1'],
      poll_interval: '200ms',
    });
    const failure = await failureOf(job.result());
    assert.equal(failure.type, 'AllModelsFailed');
    assert.match(failure.message, /veo-3-1-fast: ProviderFailed/);
    assert.match(failure.message, /wan-2-1: Timeout/);
    const [details] = failure.details as [{ attempts: { model: string }[] }];
    assert.deepEqual(
      details.attempts.map((a) => a.model),
      ['veo-3-1-fast', 'wan-2-1'],
    );
  });

  test('a finished job whose status answer has no URL gets one from download_url', async () => {
    world.simulator.configure({ infraiStatusUrl: false });
    const result = await world.videos.generate({ prompt: 'no url in status', poll_interval: '200ms' });
    assert.ok(world.simulator.callsTo('download_url').some((c) => c.job_id === result.job_id));
    assert.ok(result.video.sha256);
  });

  test('prefer builds the chain, never choosing sora-2', async () => {
    world.simulator.addFault({ route: 'submit', model: 'wan-2-1', status: 429, times: 100 });
    world.simulator.addFault({ route: 'submit', model: 'veo-3-1-fast', status: 429, times: 100 });
    world.simulator.addFault({ route: 'submit', model: 'veo-3-1', status: 429, times: 100 });
    world.simulator.addFault({ route: 'submit', model: 'grok-video', status: 429, times: 100 });
    const job = await world.videos.start({ prompt: 'cheap please', prefer: 'cheapest', poll_interval: '200ms' });
    const failure = await failureOf(job.result());
    assert.equal(failure.type, 'AllModelsFailed');
    const [details] = failure.details as [{ attempts: { model: string }[] }];
    const models = details.attempts.map((a) => a.model);
    assert.equal(models[0], 'wan-2-1', 'cheapest first');
    assert.ok(!models.includes('sora-2'));
    assert.equal(models.length, 4);
  });
});
