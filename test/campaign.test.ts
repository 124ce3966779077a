/** VideoCampaign on a real dev server: a sliding window of GenerateVideo children. */
import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { campaignKey } from '../src/campaign/results';
import type { SimJob } from '../src/simulator/jobs';
import { jobsWithPrompt, promptRows } from './helpers/campaigns';
import { eventually, failureOf, startWorld, type World } from './helpers/world';

/** The most upstream jobs that were ever running at the same moment. */
function maxOverlap(jobs: SimJob[]): number {
  const edges = jobs.flatMap((j) => [
    [j.created_ms, 1],
    [j.cancelled_ms ?? j.created_ms + j.queued_ms + j.processing_ms, -1],
  ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, delta] of edges) most = Math.max(most, (now += delta));
  return most;
}

describe('VideoCampaign (infrai)', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ dialect: 'infrai', simulator: { queuedMs: 200, processingMs: 1500 } });
  });
  afterEach(() => world.simulator.configure({ queuedMs: 200, processingMs: 1500 }));
  after(async () => {
    await world?.close();
  });

  const rows = promptRows;
  const jobsOf = (prefix: string) => jobsWithPrompt(world.simulator, prefix);

  test('every video generated, at most `concurrency` at once, results in row order', async () => {
    const campaign = await world.videos.startCampaign({
      videos: rows(9, 'window'),
      defaults: { poll_interval: '200ms', model: 'wan-2-1' },
      concurrency: 3,
    });
    const result = await campaign.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.succeeded, 9);
    assert.deepEqual(
      result.videos!.map((v) => v.id),
      rows(9, 'window').map((r) => r.id),
    );
    for (const video of result.videos!) {
      assert.equal(video.status, 'succeeded');
      assert.equal(video.workflow_id, `${campaign.workflowId}/${video.id}`);
      assert.ok(video.video_uri && video.sha256);
      assert.equal(video.model, 'wan-2-1', 'defaults apply to every row');
    }
    const jobs = jobsOf('window');
    assert.equal(jobs.length, 9, 'one upstream job per row');
    const overlap = maxOverlap(jobs);
    assert.ok(overlap <= 3 && overlap >= 2, `at most 3 at once, and more than one: ${overlap}`);
    assert.equal(result.credits_estimated, 9 * 40);
  });

  test('a bad row fails the whole campaign before anything starts, naming the row', async () => {
    const submits = world.simulator.callsTo('submit').length;
    const input = {
      videos: [
        { prompt: 'fine' },
        { prompt: 'bad', duration_seconds: -1 },
        { id: 'x', prompt: 'a' },
        { id: 'x', prompt: 'b' },
      ],
    };
    await assert.rejects(
      world.videos.startCampaign(input),
      (e: ApplicationFailure) =>
        e.type === 'InvalidInput' && /row 2/.test(e.message) && /duplicate id "x"/.test(e.message),
    );
    const handle = await world.client.workflow.start('VideoCampaign', {
      taskQueue: world.taskQueue,
      workflowId: `bad-campaign-${Date.now()}`,
      args: [input],
    });
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /nothing was started/);
    assert.equal(world.simulator.callsTo('submit').length, submits);
  });

  test('a failing video is reported, the others go on', async () => {
    world.simulator.addFault({
      route: 'submit',
      model: 'grok-video',
      status: 402,
      body: { error: { code: 'INSUFFICIENT_CREDIT' } },
    });
    const campaign = await world.videos.startCampaign({
      videos: [{ prompt: 'ok 1' }, { prompt: 'no credit', model: 'grok-video' }, { prompt: 'ok 2' }],
      defaults: { poll_interval: '200ms' },
      concurrency: 2,
    });
    const result = await campaign.result();
    assert.deepEqual(
      result.videos!.map((v) => v.status),
      ['succeeded', 'failed', 'succeeded'],
    );
    assert.equal(result.videos![1].failure_type, 'InsufficientCredit');
    assert.equal(result.failed, 1);
  });

  test('the credit budget stops new videos; the rest are skipped', async () => {
    const campaign = await world.videos.startCampaign({
      videos: rows(5, 'budget'),
      defaults: { poll_interval: '200ms' }, // veo-3-1-fast, 4 s, 720p: 80 credits each
      concurrency: 1,
      max_credits: 200,
    });
    const result = await campaign.result();
    assert.equal(result.status, 'budget_exhausted');
    assert.deepEqual(
      result.videos!.map((v) => v.status),
      ['succeeded', 'succeeded', 'skipped_budget', 'skipped_budget', 'skipped_budget'],
    );
    assert.equal(result.credits_estimated, 160);
    assert.equal(jobsOf('budget').length, 2);
  });

  test('pause holds new starts; cancel stops everything and cancels running jobs upstream', async () => {
    world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    const campaign = await world.videos.startCampaign({
      videos: rows(6, 'cancel'),
      defaults: { poll_interval: '200ms' },
      concurrency: 2,
    });
    await eventually(async () => (await campaign.progress()).running === 2, 20_000, 'two running');
    await campaign.pause();
    await eventually(async () => (await campaign.progress()).status === 'paused', 10_000, 'paused');
    await eventually(() => jobsOf('cancel').length === 2, 10_000, 'two upstream jobs');
    await campaign.cancel('campaign pulled');
    const result = await campaign.result();
    assert.equal(result.status, 'cancelled');
    assert.deepEqual(
      result.videos!.map((v) => v.status),
      ['cancelled', 'cancelled', 'skipped', 'skipped', 'skipped', 'skipped'],
    );
    assert.equal(result.videos![5].failure_message, 'campaign pulled');
    const jobs = jobsOf('cancel');
    assert.equal(jobs.length, 2, 'paused: nothing more was started');
    for (const job of jobs) assert.ok(job.cancelled_ms, `job ${job.id} cancelled upstream`);
  });

  test('rows lost from the rows file fail the campaign loudly; it never completes without them', async () => {
    const workflowId = `lost-rows-${Date.now()}`;
    // Paused from its first task, so the rows file can be cut short before any row is read.
    const handle = await world.client.workflow.signalWithStart('VideoCampaign', {
      taskQueue: world.taskQueue,
      workflowId,
      args: [{ videos: rows(12, 'lost'), defaults: { poll_interval: '200ms', model: 'wan-2-1' }, concurrency: 3 }],
      signal: 'pause',
      signalArgs: [],
    });
    const campaign = world.videos.campaign(workflowId);
    await eventually(async () => (await campaign.progress()).total === 12, 20_000, 'the rows prepared');
    const rowsFile = join(world.storeDir, campaignKey(workflowId, 'rows.jsonl'));
    const kept = readFileSync(rowsFile, 'utf8').split('\n').slice(0, 5);
    writeFileSync(rowsFile, `${kept.join('\n')}\n`);
    await campaign.resume();
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'CampaignIncomplete');
    assert.match(failure.message, /ended after 5 of its 12 rows/);
  });

  test('retry-failed mirrors a made but unmirrored video again from its job; it pays only where the gateway lost it', async () => {
    // Both rows' videos are made (and paid for), and neither reaches the store.
    world.simulator.addFault({ route: 'video', redirectTo: 'http://169.254.169.254/latest/meta-data/', times: 2 });
    const campaign = await world.videos.startCampaign({
      videos: rows(2, 'remirror'),
      defaults: { poll_interval: '200ms', model: 'wan-2-1' },
      concurrency: 2,
    });
    const first = await campaign.result();
    assert.equal(first.failed, 2);
    const [kept, lost] = first.videos!;
    for (const row of first.videos!) {
      assert.equal(row.failure_type, 'MirrorFailed');
      assert.equal(row.finished_job_id, row.job_id, 'the failure names the finished upstream job');
    }
    world.simulator.jobs.get(lost.finished_job_id!)!.deleted = true; // the gateway no longer has this one
    const submits = world.simulator.callsTo('submit').length;
    const second = await (await campaign.retryFailed()).result();
    assert.equal(second.succeeded, 2);
    assert.equal(world.simulator.callsTo('submit').length, submits + 1, 'a new job only for the lost one');
    const byId = new Map(second.videos!.map((v) => [v.id, v]));
    const remirrored = byId.get(kept.id)!;
    assert.equal(remirrored.job_id, kept.job_id, 'mirrored from the job already paid for');
    assert.equal(remirrored.credits, 0);
    assert.ok(remirrored.video_uri && remirrored.sha256);
    assert.notEqual(byId.get(lost.id)!.job_id, lost.job_id, 'generated again: the gateway had lost it');
    assert.equal(second.credits_spent, 2 * 40 + 40, 'two paid first attempts and one new job');
  });

  test('cancelling the campaign workflow itself cancels its children and their upstream jobs', async () => {
    world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    const campaign = await world.videos.startCampaign({
      videos: rows(3, 'terminate'),
      defaults: { poll_interval: '200ms' },
      concurrency: 3,
    });
    await eventually(() => jobsOf('terminate').length === 3, 20_000, 'three upstream jobs');
    await campaign.handle.cancel();
    await campaign.result().catch(() => undefined);
    await eventually(() => jobsOf('terminate').every((j) => j.cancelled_ms), 20_000, 'upstream cancels');
    assert.equal((await campaign.handle.describe()).status.name, 'CANCELLED');
  });
});
