/**
 * poll_mode "activity" against the default durable-timer loop, on a real dev server: the same
 * outcomes, cancel and fallback behaviour, far fewer history events. Timings live in the benchmark.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { eventually, failureOf, startWorld, type World } from './helpers/world';

describe('poll_mode "activity" (infrai)', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ dialect: 'infrai', simulator: { queuedMs: 300, processingMs: 4000 } });
  });
  afterEach(() => {
    world.simulator.faults.clear();
    world.simulator.configure({ queuedMs: 300, processingMs: 4000 });
  });
  after(async () => {
    await world?.close();
  });

  const eventsOf = async (workflowId: string) =>
    (await world.client.workflow.getHandle(workflowId).fetchHistory()).events?.length ?? 0;

  test('the same video as the timer loop, with polls at the same cadence and far fewer events', async () => {
    world.simulator.configure({ queuedMs: 300, processingMs: 12_000 });
    const timer = await world.videos.start({ prompt: 'timer mode', poll_interval: '300ms' });
    const activity = await world.videos.start({
      prompt: 'activity mode',
      poll_interval: '300ms',
      poll_mode: 'activity',
    });
    const [a, b] = await Promise.all([timer.result(), activity.result()]);
    assert.equal(a.status, 'succeeded');
    assert.equal(b.status, 'succeeded');
    const polls = (jobId: string) => world.simulator.callsTo('status').filter((c) => c.job_id === jobId).length;
    assert.ok(polls(b.job_id) >= 8, `the watch activity polled ${polls(b.job_id)} times`);
    const [timerEvents, activityEvents] = [await eventsOf(timer.workflowId), await eventsOf(activity.workflowId)];
    assert.ok(activityEvents * 2 < timerEvents, `activity mode ${activityEvents} events, timer mode ${timerEvents}`);
  });

  test('a cancel signal stops the watch and cancels upstream', async () => {
    world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    const job = await world.videos.start({ prompt: 'watch cancel', poll_interval: '300ms', poll_mode: 'activity' });
    const jobId = await eventually(
      async () => {
        const p = await job.progress();
        return p.status === 'processing' ? p.job_id : undefined;
      },
      20_000,
      'processing',
    );
    await job.cancel('stop watching');
    assert.equal((await failureOf(job.result())).type, 'Cancelled');
    assert.ok(world.simulator.jobs.get(jobId!)?.cancelled_ms !== undefined, 'cancelled upstream');
  });

  test('Temporal cancellation and a fallback behave as in the timer loop', async () => {
    world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    const job = await world.videos.start({
      prompt: 'watch fallback',
      poll_interval: '300ms',
      poll_mode: 'activity',
      fallback_models: ['wan-2-1'],
    });
    await eventually(async () => (await job.progress()).status === 'processing', 20_000, 'processing');
    world.simulator.configure({ queuedMs: 200, processingMs: 600 });
    await job.fallback({ reason: 'operator' });
    const result = await job.result();
    assert.equal(result.model, 'wan-2-1');
    assert.equal(result.attempts[0].upstream_cancel, 'cancelled');

    world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    const cancelled = await world.videos.start({
      prompt: 'watch cancel 2',
      poll_interval: '300ms',
      poll_mode: 'activity',
    });
    await eventually(async () => (await cancelled.progress()).status === 'processing', 20_000, 'processing');
    await cancelled.handle.cancel();
    await cancelled.result().catch(() => undefined);
    assert.equal((await cancelled.handle.describe()).status.name, 'CANCELLED');
    assert.equal((await cancelled.progress()).attempts[0].upstream_cancel, 'cancelled');
  });

  test('a status outage is waited out; an unfamiliar word is shown; one paid job', async () => {
    const job = await world.videos.start({
      prompt: 'watch outage',
      poll_interval: '300ms',
      poll_mode: 'activity',
      fallback_models: ['wan-2-1'],
    });
    await eventually(async () => (await job.progress()).job_id, 20_000, 'a job');
    world.simulator.addFault({ route: 'status', status: 503, times: 6 });
    world.simulator.addFault({ route: 'status', statusWord: 'upscaling', times: 2 });
    const result = await job.result();
    assert.equal(result.attempts.length, 1);
    assert.deepEqual(result.attempts[0].unfamiliar_statuses, ['upscaling']);
  });
});
