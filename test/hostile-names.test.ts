/**
 * Names every JavaScript object answers to (constructor, __proto__, toString, ...) sent through every
 * path a model name takes: the start input, the fallback list, prices, the fallback signal and update,
 * a campaign row and the command line. Each is refused as an unknown model, before any money is
 * spent; none fails a workflow task or wedges a paid video.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HOSTILE_NAMES } from './helpers/hostile-names';
import { runCliAgainst } from './helpers/worker-process';
import { eventually, failureOf, startWorld, withSteerableVideo, type World } from './helpers/world';

async function workflowTaskFailures(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  return history.events?.filter((e) => e.workflowTaskFailedEventAttributes).length ?? 0;
}

describe('names every object answers to, on every path (infrai)', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ dialect: 'infrai' });
  });
  after(async () => {
    await world?.close();
  });

  const submits = () => world.simulator.callsTo('submit').length;

  test('as the model, a fallback model or a priced model of a new video: InvalidInput, nothing submitted', async () => {
    const before = submits();
    const inputs = HOSTILE_NAMES.flatMap((name) => [
      { prompt: 'x', model: name },
      { prompt: 'x', fallback_models: [name] },
      { prompt: 'x', prices: { [name]: 0 }, fallback_models: [name] },
    ]);
    await Promise.all(
      inputs.map(async (input, i) => {
        // Straight to the server, as another program would (the client's own check knows no catalog).
        const handle = await world.client.workflow.start('GenerateVideo', {
          taskQueue: world.taskQueue,
          workflowId: `hostile-start-${i}-${Date.now()}`,
          args: [input],
        });
        const failure = await failureOf(handle.result());
        assert.equal(failure.type, 'InvalidInput', JSON.stringify(input));
        assert.match(failure.message, /unknown (fallback )?model/, JSON.stringify(input));
        assert.equal(await workflowTaskFailures(handle), 0, JSON.stringify(input));
      }),
    );
    assert.equal(submits(), before);
  });

  test('in a fallback signal, the update and the command line: refused; the paid video goes on', async () => {
    await withSteerableVideo(world, async (job) => {
      for (const name of HOSTILE_NAMES) {
        await job.fallback({ model: name });
        await assert.rejects(
          job.requestFallback({ model: name }),
          (e: Error) => e instanceof WorkflowUpdateFailedError && /unknown model/.test(e.cause?.message ?? ''),
        );
      }
      for (const name of ['constructor', '__proto__', 'toString']) {
        const refused = await runCliAgainst(world, ['fallback', job.workflowId, '--model', name]);
        assert.equal(refused.code, 1, refused.stderr);
        assert.match(refused.stderr, /refused: unknown model/);
      }
      const progress = await eventually(
        async () => {
          const p = await job.progress();
          return p.rejected_requests.length === HOSTILE_NAMES.length ? p : undefined;
        },
        20_000,
        'every signal recorded as a rejected request',
      );
      assert.deepEqual(
        progress.rejected_requests.map((r) => r.request.model),
        [...HOSTILE_NAMES],
      );
      assert.equal(progress.attempts.length, 1);
      assert.equal(progress.attempts[0].outcome, 'running');
      assert.equal(await workflowTaskFailures(job.handle), 0);
      // Still steerable: a real fallback is taken.
      assert.equal((await job.requestFallback({})).model, 'wan-2-1');
      await eventually(async () => (await job.progress()).attempts.length === 2, 20_000, 'the fallback');
      await job.cancel('done');
    });
  });

  test('in a campaign row: the campaign fails with InvalidInput naming the row, nothing started', async () => {
    const before = submits();
    const handle = await world.client.workflow.start('VideoCampaign', {
      taskQueue: world.taskQueue,
      workflowId: `hostile-campaign-${Date.now()}`,
      args: [{ videos: HOSTILE_NAMES.map((model, i) => ({ id: `r${i}`, prompt: 'x', model })) }],
    });
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /unknown model "constructor"/);
    assert.equal(submits(), before);
  });
});
