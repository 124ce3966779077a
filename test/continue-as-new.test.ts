import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, failureOf, startWorld, type World } from './helpers/world';

/** Runs of one workflow id, oldest first, with their status names. */
async function runsOf(world: World, workflowId: string): Promise<string[]> {
  const statuses: string[] = [];
  for await (const execution of world.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    statuses.push(`${execution.startTime.toISOString()} ${execution.status.name}`);
  }
  return statuses.sort().map((s) => s.split(' ')[1]);
}

/** Until the workflow id has had at least `runs` runs (it continued as new `runs - 1` times). */
function runsReach(world: World, workflowId: string, runs: number): Promise<string[]> {
  return eventually(
    async () => {
      const seen = await runsOf(world, workflowId);
      return seen.length >= runs ? seen : undefined;
    },
    60_000,
    `${runs} runs of ${workflowId}`,
  );
}

describe('continue-as-new', () => {
  let world: World;
  before(async () => {
    // Suggest continue-as-new after 25 events (the default is thousands): a few polls per run.
    world = await startWorld({ server: { dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 25 } } });
  });
  after(async () => {
    await world?.close();
  });

  test('a long job continues as new, keeps its upstream job, and finishes with one submit', async () => {
    world.simulator.configure({ queuedMs: 300, processingMs: 10_000 });
    const job = await world.videos.start({ prompt: 'a long one', poll_interval: '200ms' });
    const firstDeadline = (await job.progress()).deadline;
    const result = await job.result();
    assert.equal(result.status, 'succeeded');
    const runs = await runsOf(world, job.workflowId);
    assert.ok(runs.length >= 3, `several runs: ${runs}`);
    assert.deepEqual(
      runs.slice(0, -1),
      runs.slice(0, -1).map(() => 'CONTINUED_AS_NEW'),
    );
    assert.equal(runs.at(-1), 'COMPLETED');
    assert.equal(world.simulator.callsTo('submit').length, 1, 'one upstream job across all runs');
    assert.equal(result.attempts.length, 1);
    assert.equal((await job.progress()).deadline, firstDeadline, 'the deadline is carried, not restarted');
    // Each run stays small: the history limit is what triggered the new run.
    const history = await world.client.workflow.getHandle(job.workflowId).fetchHistory();
    assert.ok((history.events?.length ?? 0) < 80, `last run has ${history.events?.length} events`);
  });

  test('the deadline is absolute across continue-as-new', async () => {
    world.simulator.configure({ queuedMs: 300, processingMs: 120_000 });
    const started = Date.now();
    const job = await world.videos.start({ prompt: 'never ends', poll_interval: '200ms', timeout: '4s' });
    const firstDeadline = await eventually(async () => (await job.progress()).deadline, 30_000, 'a deadline');
    const failure = await failureOf(job.result());
    assert.equal(failure.type, 'Timeout');
    // What proves the deadline absolute is state, not a clock: the run that timed out carries the
    // deadline the first run set.
    const runs = await runsOf(world, job.workflowId);
    assert.ok(runs.length >= 2, `it continued as new on the way: ${runs}`);
    assert.equal((await job.progress()).deadline, firstDeadline, "the last run has the first run's deadline");
    assert.ok(Date.now() - started >= 3500, 'not before the deadline');
  });

  test('signals that arrive around continue-as-new are not lost', async () => {
    // Runs last only a few hundred ms here, so a signal sent as soon as a run has begun lands next to
    // a continue-as-new. Each step waits for the state it needs (a run count, an attempt), never a time.
    world.simulator.configure({ queuedMs: 100, processingMs: 120_000 });
    for (const runsFirst of [2, 3, 4]) {
      const job = await world.videos.start({
        prompt: `signal after ${runsFirst} runs`,
        fallback_models: ['wan-2-1'],
        poll_interval: '100ms',
      });
      await runsReach(world, job.workflowId, runsFirst);
      await job.fallback({ reason: `operator after ${runsFirst} runs` });
      const moved = await eventually(
        async () => {
          const p = await job.progress();
          return p.attempts.length === 2 && p.attempts[1].job_id ? p : undefined;
        },
        30_000,
        'the fallback to take effect',
      );
      assert.equal(moved.attempts[0].outcome, 'abandoned');
      assert.equal(moved.attempts[1].model, 'wan-2-1');
      // One more continue-as-new after the fallback, then the cancel.
      await runsReach(world, job.workflowId, (await runsOf(world, job.workflowId)).length + 1);
      await job.cancel(`stop after ${runsFirst} runs`);
      const failure = await failureOf(job.result());
      assert.equal(failure.type, 'Cancelled', `after ${runsFirst} runs: ${failure.message}`);
      assert.match(failure.message, new RegExp(`stop after ${runsFirst} runs`));
      const progress = await job.progress();
      assert.ok(
        progress.attempts.every((a) => a.outcome !== 'running'),
        'no attempt left running',
      );
    }
  });

  test('a campaign continues as new between windows and finishes every video once', async () => {
    world.simulator.configure({ queuedMs: 100, processingMs: 800 });
    const videos = Array.from({ length: 8 }, (_, i) => ({ id: `can-${i}`, prompt: `campaign across runs ${i}` }));
    const campaign = await world.videos.startCampaign({ videos, defaults: { poll_interval: '200ms' }, concurrency: 2 });
    const result = await campaign.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.succeeded, 8);
    const runs = await runsOf(world, campaign.workflowId);
    assert.ok(runs.length >= 2, `the campaign continued as new: ${runs}`);
    const upstream = [...world.simulator.jobs.values()].filter((j) => j.prompt.startsWith('campaign across runs'));
    assert.equal(upstream.length, 8, 'one upstream job per row, across runs');
  });
});
