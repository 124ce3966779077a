/**
 * Spend safety beyond the fault matrix, on a real dev server and the simulator: several videos per
 * job, per-video budgets, both request spellings, idempotency keys that conflict or try to climb out
 * of the store, and results that say they were simulated.
 */
import type { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, test } from 'node:test';
import { SAMPLE_VIDEO } from '../src/simulator/server';
import { failureOf, startWorld, type World } from './helpers/world';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const submitsFor = (world: World, workflowId: string) =>
  world.simulator.callsTo('submit').filter((c) => c.idempotency_key?.startsWith(`${workflowId}/`));

describe('spend safety (infery)', () => {
  let world: World;
  before(async () => {
    world = await startWorld();
  });
  afterEach(() => world.simulator.faults.clear());
  after(async () => {
    await world?.close();
  });

  test('n = 3: every video the job returns is mirrored; the first is also `video`', async () => {
    const job = await world.videos.start({ prompt: 'three takes', n: 3, poll_interval: '200ms' });
    const result = await job.result();
    assert.equal(result.videos?.length, 3);
    assert.deepEqual(result.video, result.videos![0]);
    assert.equal(new Set(result.videos!.map((v) => v.uri)).size, 3, 'three distinct objects');
    for (const video of result.videos!) assert.equal(sha256(fileURLToPath(video.uri)), sha256(SAMPLE_VIDEO));
    assert.equal(result.shortfall, undefined);
    assert.equal(result.credits_estimated, 80 * 3, 'n videos are n times the price');
  });

  test('n = 3 with 2 delivered: both are mirrored and the shortfall is recorded', async () => {
    world.simulator.addFault({ route: 'submit', deliver: 2 });
    const result = await (await world.videos.start({ prompt: 'short', n: 3, poll_interval: '200ms' })).result();
    assert.equal(result.videos?.length, 2);
    assert.deepEqual(result.shortfall, { requested: 3, received: 2 });
  });

  test("the request carries both spellings of the duration (the guide's and the reference's)", async () => {
    const job = await world.videos.start({
      prompt: 'spellings',
      model: 'veo-3-1',
      duration: 8,
      poll_interval: '200ms',
    });
    await job.result();
    const [submit] = submitsFor(world, job.workflowId);
    assert.equal(submit.body?.duration_seconds, 8);
    assert.equal(submit.body?.duration, 8);
  });

  test('max_credits: a fallback that would pass it is not submitted (BudgetExceeded), one paid job', async () => {
    // wan-2-1's job (40 credits) fails upstream; veo-3-1 (180) would pass the 60 left: never asked.
    world.simulator.addFault({ route: 'submit', model: 'wan-2-1', failJob: 'provider exploded' });
    const job = await world.videos.start({
      prompt: 'budget',
      model: 'wan-2-1',
      fallback_models: ['veo-3-1'],
      max_credits: 100,
      poll_interval: '200ms',
    });
    const failure = await failureOf(job.result());
    assert.equal(failure.type, 'BudgetExceeded');
    assert.match(failure.message, /veo-3-1 is estimated at 180 credits/);
    assert.equal(submitsFor(world, job.workflowId).filter((c) => c.model === 'veo-3-1').length, 0);
  });

  test('max_credits below the first model: refused before any submit', async () => {
    const job = await world.videos.start({
      prompt: 'too cheap',
      model: 'veo-3-1',
      max_credits: 10,
      poll_interval: '200ms',
    });
    const failure = await failureOf(job.result());
    assert.equal(failure.type, 'BudgetExceeded');
    assert.equal(submitsFor(world, job.workflowId).length, 0);
  });

  test('the same idempotency_key with a different input is refused (IdempotencyConflict)', async () => {
    const key = `conflict-${Date.now()}`;
    const first = await world.videos.start({ prompt: 'a red car', idempotency_key: key, poll_interval: '200ms' });
    await assert.rejects(
      world.videos.start({ prompt: 'a blue car', idempotency_key: key, poll_interval: '200ms' }),
      (e: ApplicationFailure) => e.type === 'IdempotencyConflict' && e.message.includes(key),
    );
    // The same input in another spelling is the same request.
    const again = await world.videos.start({ prompt: 'a red car', idempotency_key: key, poll_interval: 200 });
    assert.equal(again.workflowId, first.workflowId);
    await first.result();
    assert.equal(submitsFor(world, key).length, 1);
  });

  test('an idempotency_key made of dots cannot write outside the store', async () => {
    const result = await (
      await world.videos.start({ prompt: 'climb', idempotency_key: '..', poll_interval: '200ms' })
    ).result();
    const path = fileURLToPath(result.video.uri);
    assert.ok(path.startsWith(`${world.storeDir}/`), path);
    assert.ok(existsSync(path));
  });

  test('results made by the simulator say so', async () => {
    const result = await (await world.videos.start({ prompt: 'sim', poll_interval: '200ms' })).result();
    assert.equal(result.simulated, true);
  });

  test('bad image_base64 is refused before anything starts', async () => {
    await assert.rejects(
      world.videos.start({ prompt: 'img', image_base64: '%%% not base64 %%%' }),
      (e: ApplicationFailure) => e.type === 'InvalidInput' && /image_base64 is not base64/.test(e.message),
    );
  });
});

describe('spend safety (infrai)', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ dialect: 'infrai' });
  });
  after(async () => {
    await world?.close();
  });

  test('n > 1 is refused before any submit on a dialect that makes one video per job', async () => {
    const job = await world.videos.start({ prompt: 'two', n: 2, poll_interval: '200ms' });
    const failure = await failureOf(job.result());
    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /n 2 is not offered/);
    assert.equal(submitsFor(world, job.workflowId).length, 0);
  });

  test("the request carries both spellings of the aspect ratio (the table's and the example's)", async () => {
    const job = await world.videos.start({ prompt: 'aspect', aspect_ratio: '9:16', poll_interval: '200ms' });
    await job.result();
    const [submit] = submitsFor(world, job.workflowId);
    assert.equal(submit.body?.aspect, '9:16');
    assert.equal(submit.body?.aspect_ratio, '9:16');
  });
});
