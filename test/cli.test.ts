/**
 * The operations command line, run as a user's shell runs it: a child process configured by the
 * TEMPORAL_* and VIDEO_* variables, against a real dev server, worker and simulator.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDevServer, type DevServer } from '../src/dev-server';
import { runCliAgainst } from './helpers/worker-process';
import { eventually, startWorld, withSteerableVideo, type World } from './helpers/world';

const cli = runCliAgainst;

describe('operations command line (infrai)', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ dialect: 'infrai' });
  });
  after(async () => {
    await world?.close();
  });

  test('status, result and list find a finished video, in words and in JSON', async () => {
    const job = await world.videos.start({ prompt: 'from the shell', poll_interval: '200ms' });
    const result = await job.result();
    const status = await cli(world, ['status', job.workflowId, '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).status, 'succeeded');
    const words = await cli(world, ['status', job.workflowId]);
    assert.match(words.stdout, /^succeeded 100%/);
    const printed = await cli(world, ['result', job.workflowId, '--json']);
    assert.equal(JSON.parse(printed.stdout).video.sha256, result.video.sha256);
    const listed = await eventually(
      async () => {
        const run = await cli(world, ['list', '--status', 'succeeded', '--model', 'veo-3-1-fast', '--json']);
        const rows = JSON.parse(run.stdout) as { workflow_id: string; job_id: string }[];
        return rows.find((r) => r.workflow_id === job.workflowId);
      },
      20_000,
      'the video in list',
    );
    assert.equal(listed.job_id, result.job_id);
  });

  test('cancel and fallback steer a running video; a refused fallback is one clear line and exit 1', async () => {
    await withSteerableVideo(world, async (job) => {
      const refused = await cli(world, ['fallback', job.workflowId, '--model', 'no-such-model']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr.trim(), /^refused: unknown model "no-such-model"/);
      assert.equal(refused.stderr.trim().split('\n').length, 1);
      const accepted = await cli(world, ['fallback', job.workflowId, '--json']);
      assert.equal(JSON.parse(accepted.stdout).model, 'wan-2-1');
      await eventually(async () => (await job.progress()).attempts.length === 2, 20_000, 'the fallback');
      const cancelled = await cli(world, ['cancel', job.workflowId, '--reason', 'ops']);
      assert.equal(cancelled.code, 0, cancelled.stderr);
      const failed = await cli(world, ['result', job.workflowId, '--json']);
      assert.equal(failed.code, 1);
      assert.equal(JSON.parse(failed.stdout).type, 'Cancelled');
    });
  });

  test('catalog and gateway jobs read the live gateway', async () => {
    const catalog = await cli(world, ['catalog', '--json']);
    assert.equal(JSON.parse(catalog.stdout)['veo-3-1'].max_duration_seconds, 8);
    const jobs = JSON.parse((await cli(world, ['gateway', 'jobs', 'list', '--json'])).stdout) as { job_id: string }[];
    assert.ok(jobs.length >= 1);
    const one = await cli(world, ['gateway', 'jobs', 'get', jobs[0].job_id, '--json']);
    assert.equal(JSON.parse(one.stdout).job_id, jobs[0].job_id);
    const url = await cli(world, ['gateway', 'jobs', 'download-url', jobs[0].job_id]);
    assert.match(url.stdout, /^http/);
    const kept = await cli(world, ['gateway', 'jobs', 'retention', jobs[0].job_id, '30']);
    assert.match(kept.stdout, /for 30 days/);
    assert.equal((await cli(world, ['gateway', 'jobs', 'retention', jobs[0].job_id, '120'])).code, 1);
  });

  test('delete-all asks first: without --yes and no terminal, nothing is deleted', async () => {
    const before = [...world.simulator.jobs.values()].filter((j) => !j.deleted).length;
    const refused = await cli(world, ['gateway', 'jobs', 'delete-all']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--yes/);
    assert.equal([...world.simulator.jobs.values()].filter((j) => !j.deleted).length, before);
    const done = await cli(world, ['gateway', 'jobs', 'delete-all', '--yes']);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, new RegExp(`deleted ${before} jobs`));
  });

  test('errors are one line and a non-zero exit', async () => {
    const missing = await cli(world, ['status', 'no-such-video']);
    assert.notEqual(missing.code, 0);
    assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
    const noGateway = await cli(world, ['catalog'], { VIDEO_API_BASE_URL: '' });
    assert.match(noGateway.stderr, /set VIDEO_API_BASE_URL/);
    const infery = await cli(world, ['gateway', 'jobs', 'list'], { VIDEO_API_DIALECT: 'infery' });
    assert.match(infery.stderr, /infrai dialect/);
  });
});

describe('setup search-attributes', () => {
  let bare: DevServer;
  before(async () => {
    bare = await startDevServer({ searchAttributes: false });
  });
  after(async () => {
    await bare?.stop();
  });

  test('registers the missing attributes once; a second run changes nothing', async () => {
    const world = { server: bare, taskQueue: 'none', simulator: { url: '', apiKey: '' } } as unknown as World;
    const first = await cli(world, ['setup', 'search-attributes']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      /registered VideoStatus, VideoModel, VideoJobId, VideoCampaignId, VideoCreditsEstimated/,
    );
    const second = await cli(world, ['setup', 'search-attributes']);
    assert.match(second.stdout, /already registered/);
  });
});
