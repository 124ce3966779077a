/** The GenerateVideo state machine, without a server: every transition takes `now`. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUILTIN_CATALOG, fallbackChain } from '../../src/catalog';
import type { GatewayJob } from '../../src/gateway/types';
import { parseGenerateVideoInput, type GenerateVideoInput } from '../../src/request';
import { type CarriedState, VideoRun } from '../../src/workflows/video-run';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function runFor(input: Partial<GenerateVideoInput> = {}): VideoRun {
  const request = parseGenerateVideoInput({ prompt: 'a cat', ...input });
  const run = VideoRun.begin(request, T0);
  const first = request.model ?? 'veo-3-1-fast';
  run.configure({ catalog: BUILTIN_CATALOG, chain: fallbackChain(BUILTIN_CATALOG, first, request) });
  return run;
}

const job = (status: GatewayJob['status'], extra: Partial<GatewayJob> = {}): GatewayJob => ({
  job_id: 'job-1',
  status,
  upstream_status: status,
  ...extra,
});

describe('VideoRun', () => {
  test("a watch's status news counts as a check of the live job; anything else changes nothing", () => {
    const run = runFor({ poll_mode: 'activity' });
    run.startAttempt(run.takeNextModel()!, T0);
    run.submitted(job('queued'));
    const before = JSON.stringify(run.state);
    const ignored: unknown[] = [
      undefined,
      'processing',
      { job_id: 'job-2', status: 'processing', upstream_status: 'processing' },
      { job_id: 'job-1', status: 'failed', upstream_status: 'failed' },
      { job_id: 'job-1', status: 'cancelled', upstream_status: 'cancelled' },
      { job_id: 'job-1', status: 'processing', upstream_status: 'x'.repeat(201) },
      { job_id: 'job-1', status: 'processing', upstream_status: 'processing', progress: 101 },
      { job_id: 'job-1', status: 'processing', upstream_status: 'processing', progress: '50' },
      { job_id: 'job-1', status: 'constructor', upstream_status: 'processing' },
    ];
    for (const raw of ignored) assert.equal(run.heardStatus(raw, T0 + 1000), undefined, JSON.stringify(raw));
    assert.equal(JSON.stringify(run.state), before, 'ignored news changes nothing');
    assert.deepEqual(
      run.heardStatus(
        { job_id: 'job-1', status: 'processing', upstream_status: 'processing', progress: 30 },
        T0 + 5000,
      ),
      {},
    );
    assert.equal(run.status, 'processing');
    assert.equal(run.lastSeen().upstream_status, 'processing', 'the next watch compares with it');
    // A success without a URL is still working; an unknown word is told as such.
    assert.deepEqual(run.heardStatus({ job_id: 'job-1', status: 'succeeded', upstream_status: 'done' }, T0 + 6000), {});
    assert.equal(run.status, 'processing');
    assert.deepEqual(run.heardStatus({ job_id: 'job-1', status: 'working', upstream_status: 'upscaling' }, T0 + 7000), {
      unfamiliar: 'upscaling',
    });
    // Only while the job is watched: not once it is mirroring, and never in timer mode.
    run.startMirroring();
    const mirroring = JSON.stringify(run.state);
    const late = { job_id: 'job-1', status: 'queued', upstream_status: 'queued' };
    assert.equal(run.heardStatus(late, T0 + 8000), undefined);
    assert.equal(JSON.stringify(run.state), mirroring, 'a stale watch cannot take a mirroring job back');
    const timer = runFor();
    timer.startAttempt(timer.takeNextModel()!, T0);
    timer.submitted(job('queued'));
    assert.equal(timer.heardStatus({ ...late, status: 'processing', upstream_status: 'processing' }, T0), undefined);
    assert.equal(timer.status, 'queued');
  });

  test('unfamiliar status words are kept up to a bound, however many a gateway (or a signal) invents', () => {
    const run = runFor({ poll_mode: 'activity' });
    run.startAttempt(run.takeNextModel()!, T0);
    run.submitted(job('queued'));
    for (let i = 0; i < 100; i++) run.recordPoll(job('working', { upstream_status: `word-${i}` }), T0 + i);
    assert.equal(run.live!.unfamiliar_statuses!.length, 20);
  });

  test('a new run is queued, with the deadline counted from its start', () => {
    const run = runFor({ timeout: '10m' });
    assert.equal(run.status, 'queued');
    assert.equal(run.deadlineMs, T0 + 600_000);
    assert.equal(run.stopReason(T0 + 599_999), undefined);
    assert.equal(run.stopReason(T0 + 600_000)?.ending, 'timed_out');
  });

  test('an attempt is fitted to its model and estimated', () => {
    const run = runFor({ model: 'veo-3-1', duration_seconds: 8, resolution: '4k', fallback_models: ['wan-2-1'] });
    const first = run.startAttempt(run.takeNextModel()!, T0);
    assert.deepEqual(first.params, { duration_seconds: 8, resolution: '4k', aspect_ratio: '16:9' });
    assert.equal(first.credits_estimated, 180 * 2 * 3);
    run.submitted(job('queued'));
    run.endAttempt('failed', T0 + 1, { type: 'ProviderFailed', message: 'boom' });
    const second = run.startAttempt(run.takeNextModel()!, T0 + 2);
    assert.equal(second.model, 'wan-2-1');
    assert.deepEqual(second.adjustments, ['duration_seconds 8 -> 6', 'resolution 4k -> 720p']);
  });

  test('polls move status and progress forward, never back', () => {
    const run = runFor();
    run.startAttempt(run.takeNextModel()!, T0);
    run.submitted(job('queued'));
    assert.equal(run.recordPoll(job('queued'), T0).kind, 'working');
    assert.equal(run.status, 'queued');
    run.recordPoll(job('processing', { progress: 50 }), T0 + 5000);
    assert.equal(run.progress(T0 + 5000).progress, 48);
    run.recordPoll(job('processing', { progress: 40 }), T0 + 10_000);
    assert.equal(run.progress(T0 + 10_000).progress, 48, 'progress never goes back');
    run.recordPoll(job('processing'), T0 + 60_000);
    assert.equal(run.progress(T0 + 60_000).progress_source, 'estimated');
  });

  test('an unfamiliar status word is "still working", named once, and shown as upstream_status', () => {
    const run = runFor();
    run.startAttempt(run.takeNextModel()!, T0);
    run.submitted(job('queued'));
    const weird = { ...job('working'), upstream_status: 'upscaling' };
    const first = run.recordPoll(weird, T0 + 1000);
    assert.equal(first.kind, 'working');
    assert.equal(first.unfamiliar, 'upscaling');
    assert.equal(run.recordPoll(weird, T0 + 2000).unfamiliar, undefined, 'logged once per job');
    assert.equal(run.live?.outcome, 'running');
    assert.equal(run.progress(T0).upstream_status, 'upscaling');
    assert.deepEqual(run.live?.unfamiliar_statuses, ['upscaling']);
  });

  test('a success without a URL keeps the job running; with one it is a success', () => {
    const run = runFor();
    run.startAttempt(run.takeNextModel()!, T0);
    run.submitted(job('queued'));
    assert.equal(run.recordPoll(job('succeeded'), T0).kind, 'working');
    assert.equal(run.recordPoll(job('succeeded', { video_url: 'https://v/1.mp4' }), T0).kind, 'succeeded');
    assert.equal(run.live?.provider_url, 'https://v/1.mp4');
  });

  test('a failed job is judged by the gateway: safety final, timeout our Timeout, the rest a provider failure', () => {
    const run = runFor();
    run.startAttempt(run.takeNextModel()!, T0);
    const verdict = (extra: Partial<GatewayJob>) => run.recordPoll(job('failed', extra), T0);
    assert.deepEqual(verdict({ error_code: 'content_policy_violation', error: 'no' }), {
      kind: 'failed',
      type: 'SafetyRefusal',
      message: 'no',
    });
    assert.equal((verdict({ error: 'timeout' }) as { type: string }).type, 'Timeout');
    assert.equal((verdict({ error: 'upstream connection refused' }) as { type: string }).type, 'ProviderFailed');
  });

  test('a cancel wins over a deadline; the first reason is kept; a malformed cancel still cancels', () => {
    const run = runFor();
    run.requestCancel({ reason: 'first' });
    run.requestCancel({ reason: 'second' });
    assert.equal(run.stopReason(T0 + 10 * 3_600_000)?.message, 'cancelled: first');
    const other = runFor();
    other.requestCancel({ bogus: true });
    assert.equal(other.stopReason(T0)?.ending, 'cancelled');
  });

  test('refused fallback signals stay small, however many and however large', () => {
    const run = runFor({ model: 'veo-3-1', fallback_models: ['wan-2-1'] });
    run.startAttempt(run.takeNextModel()!, T0);
    const huge = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`unknown_key_${i}`, i]));
    for (let i = 0; i < 100; i++) run.requestFallback(huge, T0 + i);
    const { rejected_requests } = run.progress(T0 + 100);
    assert.equal(rejected_requests.length, 20, 'the latest 20 are kept');
    assert.equal(rejected_requests[19].at, new Date(T0 + 99).toISOString());
    assert.ok(rejected_requests.every((r) => r.problem.length <= 500));
    assert.ok(JSON.stringify(run.progress(T0 + 100)).length < 64 * 1024);
  });

  test('fallback requests: refused with a reason, or taken as the next model', () => {
    const run = runFor({ model: 'veo-3-1', fallback_models: ['wan-2-1'] });
    run.startAttempt(run.takeNextModel()!, T0);
    assert.match(run.checkFallback({ model: 'nope' }).problem!, /unknown model "nope"/);
    assert.match(run.checkFallback({ model: 'veo-3-1' }).problem!, /already tried/);
    assert.match(run.checkFallback({ model: 42 }).problem!, /malformed/);
    assert.equal(run.requestFallback({ model: 'nope' }, T0), run.progress(T0).rejected_requests[0].problem);
    assert.equal(run.requestFallback({}, T0), undefined);
    assert.equal(run.hasRequest, true);
    run.endAttempt('abandoned', T0);
    assert.equal(run.takeNextModel(), 'wan-2-1');
    assert.equal(run.hasRequest, false);
    run.startAttempt('wan-2-1', T0);
    assert.match(run.checkFallback({}).problem!, /no untried model/);
    run.startMirroring();
    assert.match(run.checkFallback({ model: 'sora-2' }).problem!, /already generated/);
  });

  test('max_credits: a model that could pass it is refused, counting every paid attempt', () => {
    const run = runFor({ model: 'veo-3-1', fallback_models: ['veo-3-1-fast', 'grok-video'], max_credits: 250 });
    assert.equal(run.budgetProblem('veo-3-1'), undefined);
    run.startAttempt('veo-3-1', T0);
    run.submitted(job('queued'));
    run.endAttempt('failed', T0);
    assert.match(
      run.budgetProblem('veo-3-1-fast')!,
      /estimated at 80 credits; with 180 already spent that passes max_credits 250/,
    );
    assert.match(run.budgetProblem('grok-video')!, /no published price/);
    assert.equal(runFor({ model: 'veo-3-1' }).budgetProblem('grok-video'), undefined, 'no cap, no problem');
  });

  test('a run continued as new resumes from its carried state', () => {
    const request = parseGenerateVideoInput({ prompt: 'a cat' });
    const carried = {
      started_at_ms: T0,
      deadline_ms: T0 + 1000,
      catalog: BUILTIN_CATALOG,
      chain: ['veo-3-1-fast'],
      attempts: [
        {
          attempt: 1,
          model: 'veo-3-1-fast',
          job_id: 'j',
          started_at: '',
          outcome: 'running',
          params: { duration_seconds: 4, resolution: '720p', aspect_ratio: '16:9' },
          adjustments: [],
          credits_estimated: 80,
        },
      ],
      upstream: { status: 'processing', progress: 40 },
      rejected_requests: [],
    } as CarriedState;
    const run = VideoRun.resume(request, carried);
    assert.equal(run.status, 'processing');
    assert.equal(run.progress(T0).progress, 40);
    assert.equal(run.live?.job_id, 'j');
  });

  test('success: the result counts every paid attempt and reports a shortfall of videos', () => {
    const run = runFor({ n: 3, fallback_models: ['wan-2-1'] });
    run.startAttempt(run.takeNextModel()!, T0);
    run.submitted({ ...job('queued'), simulated: true });
    run.endAttempt('failed', T0);
    run.startAttempt(run.takeNextModel()!, T0);
    run.submitted({ ...job('queued'), job_id: 'job-2' });
    const stored = { uri: 'file:///v.mp4', url: 'file:///v.mp4', bytes: 1, sha256: 'x', content_type: 'video/mp4' };
    const done = job('succeeded', { job_id: 'job-2', video_url: 'https://v/1' });
    const result = run.succeed(done, { video: stored, videos: [stored, stored] }, T0 + 5000, 'wf');
    assert.equal(result.credits_estimated, 80 * 3 + 40 * 3);
    assert.deepEqual(result.shortfall, { requested: 3, received: 2 });
    assert.equal(result.simulated, true);
    assert.equal(run.status, 'succeeded');
    assert.equal(run.progress(T0).progress, 100);
  });
});

describe('VideoRun polling cadence', () => {
  test('the poll interval, backed off while status checks fail, never past the deadline', () => {
    const run = runFor({ poll_interval: '5s', timeout: '1h' });
    run.startAttempt(run.takeNextModel()!, T0);
    assert.equal(run.nextPollWaitMs(T0), 5000);
    const waits = [1, 2, 3, 4, 5, 6].map(() => (run.pollFailed(), run.nextPollWaitMs(T0)));
    assert.deepEqual(waits, [10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
    assert.equal(run.nextPollWaitMs(T0 + 3_600_000 - 1234), 1234);
    run.recordPoll(job('queued'), T0);
    assert.equal(run.nextPollWaitMs(T0), 5000, 'an answer resets the back-off');
  });
});

describe('poll_interval "auto"', () => {
  test('sleeps until 80% of the typical duration (learned, else 30 s), then polls every 5 s', () => {
    const run = runFor({ poll_interval: 'auto' });
    run.startAttempt(run.takeNextModel()!, T0);
    assert.equal(run.nextPollWaitMs(T0), 24_000, 'nothing learned: 80% of 30 s');
    assert.equal(run.sleepsBeforePolling(T0), true);
    assert.equal(run.nextPollWaitMs(T0 + 20_000), 5000, 'past the sleep: the normal cadence');
    const learned = runFor({ poll_interval: 'auto' });
    learned.configure({ catalog: BUILTIN_CATALOG, chain: ['veo-3-1-fast'], typical_seconds: { 'veo-3-1-fast': 60 } });
    learned.startAttempt(learned.takeNextModel()!, T0);
    assert.equal(learned.nextPollWaitMs(T0 + 8000), 40_000);
    const fixed = runFor({ poll_interval: '5s' });
    fixed.startAttempt(fixed.takeNextModel()!, T0);
    assert.equal(fixed.nextPollWaitMs(T0), 5000);
    assert.equal(fixed.sleepsBeforePolling(T0), false);
  });

  test('a learned duration follows recent jobs', async () => {
    const { JobDurations } = await import('../../src/activities/watch.js');
    const durations = new JobDurations();
    durations.record('m', 60);
    durations.record('m', 40);
    assert.deepEqual(durations.typical(), { m: 56 });
  });
});
