/** Image-to-video without bloating history: inline images are stored by reference before the start. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { VideoClient } from '../src/client';
import { startWorld, type World } from './helpers/world';

/** A "PNG" of the given size: the right magic bytes, random content. */
const png = (bytes: number) =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(bytes - 8)]);

describe('image-to-video', () => {
  let world: World;
  before(async () => {
    world = await startWorld();
  });
  after(async () => {
    await world?.close();
  });

  test('a 5 MB inline image goes through the store; history holds only its key', async () => {
    const videos = new VideoClient(world.client, { taskQueue: world.taskQueue, inputStore: world.dependencies.store });
    const image = png(5 * 1024 * 1024);
    const job = await videos.start({
      prompt: 'animate this',
      image_base64: image.toString('base64'),
      poll_interval: '200ms',
    });
    const result = await job.result();
    const upstream = world.simulator.jobs.get(result.job_id)!;
    assert.equal(upstream.image, `base64:${image.length}`, 'the gateway received the whole image');
    const history = await job.handle.fetchHistory();
    const size = JSON.stringify(history).length;
    assert.ok(size < 200_000, `history is ${size} bytes`);
    const started = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0].data!;
    const input = JSON.parse(Buffer.from(started).toString('utf8'));
    assert.ok(/^inputs\/[a-f0-9]{64}\.png$/.test(input.image_ref), `image_ref ${input.image_ref}`);
    assert.equal(input.image_base64, undefined);
  });

  test('image_url passes through; a small inline image without a store stays inline', async () => {
    const a = await world.videos.generate({
      prompt: 'by url',
      image_url: 'https://cdn.example.com/forest.jpg',
      poll_interval: '200ms',
    });
    assert.equal(world.simulator.jobs.get(a.job_id)!.image, 'url:https://cdn.example.com/forest.jpg');
    const small = png(10_000);
    const b = await world.videos.generate({
      prompt: 'inline',
      image_base64: small.toString('base64'),
      poll_interval: '200ms',
    });
    assert.equal(world.simulator.jobs.get(b.job_id)!.image, `base64:${small.length}`);
  });

  test('without a store, a large inline image is refused with a clear error before anything starts', async () => {
    const submits = world.simulator.callsTo('submit').length;
    await assert.rejects(
      world.videos.start({ prompt: 'too big', image_base64: png(1024 * 1024).toString('base64') }),
      (e: ApplicationFailure) => e.type === 'InvalidInput' && /image_base64.*image_url/.test(e.message),
    );
    assert.equal(world.simulator.callsTo('submit').length, submits);
  });

  test('a non-image and a workflow input naming an arbitrary file are refused', async () => {
    const videos = new VideoClient(world.client, { taskQueue: world.taskQueue, inputStore: world.dependencies.store });
    await assert.rejects(
      videos.start({ prompt: 'x', image_base64: Buffer.from('hello').toString('base64') }),
      /not a PNG/,
    );
    await assert.rejects(world.videos.start({ prompt: 'x', image_ref: '../../etc/passwd' } as never), /image_ref/);
  });
});
