/**
 * VideoCampaign with `row_runner: "activity"` on a real dev server: each row's video made inside one
 * activity of the campaign, no child workflow. The same promises as child rows: one paid submit per
 * attempt, fallbacks, failures recorded with their type, a cancel that reaches the upstream jobs.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { campaignKey } from '../src/campaign/results';
import { objectKey } from '../src/store/types';
import { jobsWithPrompt, promptRows } from './helpers/campaigns';
import { eventually, failureOf, startWorld, type World } from './helpers/world';

describe('VideoCampaign, rows run as activities', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ dialect: 'infrai', simulator: { queuedMs: 200, processingMs: 1000 } });
  });
  afterEach(() => world.simulator.configure({ queuedMs: 200, processingMs: 1000 }));
  after(async () => {
    await world?.close();
  });

  const rows = promptRows;
  const jobsOf = (prefix: string) => jobsWithPrompt(world.simulator, prefix);
  const submitsOf = (prefix: string) =>
    world.simulator.callsTo('submit').filter((c) => jobsOf(prefix).some((j) => j.id === c.job_id)).length;

  test('every row made in one activity of the campaign: no child workflows, one submit each, videos stored', async () => {
    const campaign = await world.videos.startCampaign({
      videos: rows(6, 'bulk'),
      defaults: { poll_interval: '200ms', model: 'wan-2-1' },
      concurrency: 3,
      row_runner: 'activity',
    });
    const result = await campaign.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.succeeded, 6);
    assert.equal(jobsOf('bulk').length, 6, 'one upstream job per row');
    assert.equal(submitsOf('bulk'), 6, 'one submit per row');
    for (const video of result.videos!) {
      assert.equal(video.status, 'succeeded');
      assert.equal(video.workflow_id, campaign.workflowId, 'the row ran in the campaign workflow');
      assert.ok(video.sha256 && video.video_uri);
      const file = join(world.storeDir, objectKey(`${campaign.workflowId}/${video.id}`, 'video.mp4'));
      assert.ok(existsSync(file), `${video.id}'s video under its own name`);
    }
    assert.equal(new Set(result.videos!.map((v) => v.video_uri)).size, 6, 'six distinct objects');
    await assert.rejects(
      world.client.workflow.getHandle(`${campaign.workflowId}/bulk-1`).describe(),
      WorkflowNotFoundError,
      'no child workflow per row',
    );
    const events = (await campaign.handle.fetchHistory()).events ?? [];
    const rowActivities = events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'generateVideoInActivity',
    );
    assert.equal(rowActivities.length, 6, 'one activity per row');
    assert.ok(!events.some((e) => e.startChildWorkflowExecutionInitiatedEventAttributes), 'no child started');
    assert.equal(result.credits_estimated, 6 * 40);
  });

  test('a row falls back to its next model when the first will not take the job; a refused row fails with its type', async () => {
    world.simulator.addFault({ route: 'submit', model: 'grok-video', status: 429, times: 10 });
    world.simulator.addFault({
      route: 'submit',
      model: 'sora-2',
      status: 402,
      body: { error: { code: 'INSUFFICIENT_CREDIT' } },
    });
    const campaign = await world.videos.startCampaign({
      videos: [
        { id: 'falls-back', prompt: 'fallback row', model: 'grok-video', fallback_models: ['wan-2-1'] },
        { id: 'refused', prompt: 'fallback refused', model: 'sora-2' },
      ],
      defaults: { poll_interval: '200ms' },
      concurrency: 2,
      row_runner: 'activity',
    });
    const result = await campaign.result();
    const [fell, refused] = result.videos!;
    assert.equal(fell.status, 'succeeded');
    assert.equal(fell.model, 'wan-2-1');
    assert.equal(fell.attempts, 2, 'grok-video refused, then wan-2-1');
    assert.equal(fell.credits, 40, 'only the job that was taken is counted');
    assert.equal(refused.status, 'failed');
    assert.equal(refused.failure_type, 'InsufficientCredit');
    assert.equal(jobsOf('fallback').length, 1, 'one paid job in all');
  });

  test('cancelling the campaign cancels the rows running as activities and their upstream jobs', async () => {
    world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    const campaign = await world.videos.startCampaign({
      videos: rows(4, 'stop'),
      defaults: { poll_interval: '200ms' },
      concurrency: 2,
      row_runner: 'activity',
    });
    await eventually(() => jobsOf('stop').length === 2, 20_000, 'two upstream jobs');
    await campaign.cancel('pulled');
    const result = await campaign.result();
    assert.equal(result.status, 'cancelled');
    assert.deepEqual(
      result.videos!.map((v) => v.status),
      ['cancelled', 'cancelled', 'skipped', 'skipped'],
    );
    for (const video of result.videos!.slice(0, 2)) {
      assert.equal(video.failure_type, 'Cancelled');
      assert.equal(video.credits, 80, 'the paid job is counted');
    }
    const jobs = jobsOf('stop');
    assert.equal(jobs.length, 2, 'nothing more was started');
    for (const job of jobs) assert.ok(job.cancelled_ms, `job ${job.id} cancelled upstream`);
  });

  test('a campaign that fails cancels the rows running as its activities, and their upstream jobs', async () => {
    world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    const workflowId = `failing-bulk-${Date.now()}`;
    // Paused from its first task, so the rows file can be cut short before any row is read.
    const handle = await world.client.workflow.signalWithStart('VideoCampaign', {
      taskQueue: world.taskQueue,
      workflowId,
      args: [{ videos: rows(8, 'cut'), defaults: { poll_interval: '200ms' }, concurrency: 6, row_runner: 'activity' }],
      signal: 'pause',
      signalArgs: [],
    });
    const campaign = world.videos.campaign(workflowId);
    await eventually(async () => (await campaign.progress()).total === 8, 20_000, 'the rows prepared');
    const rowsFile = join(world.storeDir, campaignKey(workflowId, 'rows.jsonl'));
    writeFileSync(rowsFile, `${readFileSync(rowsFile, 'utf8').split('\n').slice(0, 3).join('\n')}\n`);
    await campaign.resume();
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'CampaignIncomplete');
    const jobs = jobsOf('cut');
    assert.equal(jobs.length, 3, 'the three rows left were started');
    for (const job of jobs) assert.ok(job.cancelled_ms, `job ${job.id} cancelled upstream, not left running`);
  });

  test('a terminated campaign: its rows learn it at their next heartbeat and cancel their upstream jobs', async () => {
    world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    const campaign = await world.videos.startCampaign({
      videos: rows(2, 'ended'),
      defaults: { poll_interval: '200ms' },
      concurrency: 2,
      row_runner: 'activity',
    });
    await eventually(() => jobsOf('ended').length === 2, 20_000, 'two upstream jobs');
    await campaign.handle.terminate('operator');
    await eventually(() => jobsOf('ended').every((j) => j.cancelled_ms), 30_000, 'upstream cancels');
  });

  test('a row with a callback_url is refused before anything starts: an activity has no workflow to call back from', async () => {
    const submits = world.simulator.callsTo('submit').length;
    const input = {
      videos: [{ prompt: 'ok' }, { prompt: 'calls back', callback_url: 'https://example.com/hook' }],
      row_runner: 'activity' as const,
    };
    await assert.rejects(world.videos.startCampaign(input), /row 2.*callback_url needs row_runner "workflow"/);
    const handle = await world.client.workflow.start('VideoCampaign', {
      taskQueue: world.taskQueue,
      workflowId: `callback-rows-${Date.now()}`,
      args: [input],
    });
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /line 2.*callback_url needs row_runner "workflow"/);
    assert.equal(world.simulator.callsTo('submit').length, submits, 'nothing was submitted');
  });
});
