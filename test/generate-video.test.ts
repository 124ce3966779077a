import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SAMPLE_VIDEO } from '../src/simulator/server';
import { failureOf, startWorld, workerLogs, type World } from './helpers/world';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('GenerateVideo on a real dev server', () => {
  let world: World;
  before(async () => {
    world = await startWorld();
  });
  after(async () => {
    await world?.close();
  });

  test('happy path: a real MP4 is stored and its checksum matches', async () => {
    const job = await world.videos.start({
      prompt: 'A cat surfing on a banana at sunset, cinematic',
      model: 'veo-3-1-fast',
      duration_seconds: 4,
      resolution: '720p',
      aspect_ratio: '16:9',
      poll_interval: '250ms',
    });
    const result = await job.result();
    assert.equal(result.status, 'succeeded');
    assert.equal(result.model, 'veo-3-1-fast');
    assert.match(result.job_id, /^vgen_/);
    const path = fileURLToPath(result.video.uri);
    assert.equal(result.video.sha256, sha256(path));
    assert.equal(result.video.sha256, sha256(SAMPLE_VIDEO), 'the stored bytes are the served video');
    assert.equal(result.video.bytes, statSync(path).size);
    assert.equal(result.video.content_type, 'video/mp4');
    assert.equal(readFileSync(path).subarray(4, 8).toString('latin1'), 'ftyp', 'an MP4 file');
    assert.ok(result.thumbnail?.uri, 'the thumbnail is mirrored too');
    assert.equal(result.attempts.length, 1);
    assert.equal(result.attempts[0].outcome, 'succeeded');
    assert.equal(result.credits_estimated, 80);
    assert.equal(world.simulator.callsTo('submit').length, 1);
    // What an operator sees in the Temporal UI: a summary in the list, current details on the page.
    const description = await job.handle.describe();
    assert.match((await description.staticSummary()) ?? '', /^veo-3-1-fast: A cat surfing/);
    const metadata = await job.handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    assert.match(metadata.currentDetails, /\*\*succeeded\*\* 100%/);
    assert.match(metadata.currentDetails, new RegExp(result.job_id));
  });

  test('progress rises through queued and processing to succeeded', async () => {
    world.simulator.configure({ queuedMs: 500, processingMs: 3000 });
    const job = await world.videos.start({ prompt: 'progress', poll_interval: '200ms' });
    const seen = [];
    for await (const snapshot of job.watch({ intervalMs: 100 })) seen.push(snapshot);
    world.simulator.configure({ queuedMs: 300, processingMs: 1200 });
    const statuses = seen.map((s) => s.status);
    assert.ok(statuses.includes('processing'), `statuses: ${statuses}`);
    assert.equal(statuses.at(-1), 'succeeded');
    const processing = seen.filter((s) => s.status === 'processing').map((s) => s.progress);
    assert.ok(processing.length >= 3, `several processing snapshots: ${processing}`);
    for (let i = 1; i < processing.length; i++)
      assert.ok(processing[i] >= processing[i - 1], `never falls: ${processing}`);
    assert.ok(processing.at(-1)! > processing[0], `rises: ${processing}`);
    assert.equal(seen.at(-1)!.progress, 100);
  });

  test('polls are poll_interval apart, measured at the simulator', async () => {
    world.simulator.configure({ queuedMs: 300, processingMs: 3000 });
    const job = await world.videos.start({ prompt: 'interval', poll_interval: '700ms' });
    const result = await job.result();
    world.simulator.configure({ queuedMs: 300, processingMs: 1200 });
    const polls = world.simulator
      .callsTo('status')
      .filter((c) => c.job_id === result.job_id)
      .map((c) => c.at);
    assert.ok(polls.length >= 4, `polls: ${polls.length}`);
    const gaps = polls.slice(1).map((t, i) => t - polls[i]);
    for (const gap of gaps) assert.ok(gap >= 650 && gap < 2100, `gap ${gap} ms for a 700 ms interval (${gaps})`);
  });

  test('the default poll interval is 5 s', async () => {
    world.simulator.configure({ queuedMs: 0, processingMs: 9000 });
    const job = await world.videos.start({ prompt: 'default interval' });
    const result = await job.result();
    world.simulator.configure({ queuedMs: 300, processingMs: 1200 });
    const polls = world.simulator
      .callsTo('status')
      .filter((c) => c.job_id === result.job_id)
      .map((c) => c.at);
    assert.ok(polls.length >= 2, `polls: ${polls.length}`);
    const gaps = polls.slice(1).map((t, i) => t - polls[i]);
    for (const gap of gaps) assert.ok(gap >= 4900 && gap < 6500, `gap ${gap} ms (${gaps})`);
  });

  test('bad input fails with InvalidInput and makes no upstream call', async () => {
    const before = world.simulator.calls.filter((c) => c.route === 'submit').length;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ prompt: '' }, /prompt/],
      [{ prompt: 'x', duration_seconds: 30, model: 'veo-3-1-fast' }, /maximum of 4/],
      [{ prompt: 'x', model: 'no-such-model' }, /unknown model "no-such-model".*veo-3-1/],
      [{ prompt: 'x', resolution: '8k' }, /resolution "8k".*720p, 1080p/],
      [{ prompt: 'x', poll_interval: 'soon' }, /poll_interval/],
      [{ prompt: 'x', duraton_seconds: 4 }, /duraton_seconds/],
    ];
    for (const [input, message] of cases) {
      // Straight to the server, past the client library's own check, as another program would.
      const handle = await world.client.workflow.start('GenerateVideo', {
        taskQueue: world.taskQueue,
        workflowId: `bad-input-${Math.random().toString(36).slice(2)}`,
        args: [input],
      });
      const failure = await failureOf(handle.result());
      assert.equal(failure.type, 'InvalidInput', `${JSON.stringify(input)}: ${failure.message}`);
      assert.match(failure.message, message);
      // One workflow task, failed once: not a task retried forever.
      const history = await handle.fetchHistory();
      assert.equal(history.events?.filter((e) => e.workflowTaskFailedEventAttributes).length, 0);
    }
    assert.equal(world.simulator.calls.filter((c) => c.route === 'submit').length, before);
    await assert.rejects(
      world.videos.start({ prompt: '' } as never),
      (e: ApplicationFailure) => e.type === 'InvalidInput',
    );
  });

  test('timeout: the deadline cancels the job upstream and fails with Timeout', async () => {
    world.simulator.configure({ queuedMs: 300, processingMs: 60_000 });
    const job = await world.videos.start({ prompt: 'too slow', poll_interval: '300ms', timeout: '3s' });
    // A 60 s job that ends with Timeout ended at its 3 s deadline: no clock needed to prove it.
    const failure = await failureOf(job.result());
    world.simulator.configure({ queuedMs: 300, processingMs: 1200 });
    assert.equal(failure.type, 'Timeout');
    const progress = await job.progress();
    assert.equal(progress.status, 'timed_out');
    assert.equal(progress.attempts[0].outcome, 'timed_out');
    // infery has no cancel endpoint: recorded as such.
    assert.equal(progress.attempts[0].upstream_cancel, 'not_supported');
  });

  test('a duplicate start with the same idempotency_key does not create a second job', async () => {
    const key = `dedupe-${Date.now()}`;
    const first = await world.videos.start({ prompt: 'once', idempotency_key: key, poll_interval: '200ms' });
    const second = await world.videos.start({ prompt: 'once', idempotency_key: key, poll_interval: '200ms' });
    assert.equal(first.workflowId, second.workflowId);
    const result = await first.result();
    const third = await world.videos.start({ prompt: 'once', idempotency_key: key, poll_interval: '200ms' });
    assert.deepEqual(await third.result(), result);
    assert.equal(world.simulator.callsTo('submit').filter((c) => c.job_id === result.job_id).length, 1);
  });

  test('the API key never reaches workflow history or worker logs', async () => {
    // A failure path too: gateway error messages are what would carry a key.
    world.simulator.addFault({
      route: 'submit',
      status: 400,
      body: { error: { message: `bad request for key ${world.simulator.apiKey}` } },
    });
    await world.videos.generate({ prompt: 'echoing gateway' }).catch(() => undefined);
    const key = world.simulator.apiKey;
    let histories = 0;
    for await (const execution of world.client.workflow.list()) {
      const history = await world.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      assert.ok(!JSON.stringify(history).includes(key), `history of ${execution.workflowId} contains the key`);
      const description = await world.client.workflow.getHandle(execution.workflowId, execution.runId).describe();
      assert.ok(!JSON.stringify({ memo: description.memo, sa: description.searchAttributes }).includes(key));
      histories += 1;
    }
    assert.ok(histories >= 10, `checked ${histories} histories`);
    assert.ok(workerLogs.length > 0);
    assert.ok(!workerLogs.some((line) => line.includes(key)), 'a worker log line contains the key');
  });
});
