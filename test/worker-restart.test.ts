import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { VideoClient } from '../src/client';
import type { CarriedState } from '../src/workflows/video-run';
import { kill, runCli, WorkerProcesses } from './helpers/worker-process';
import { eventually, startWorld, type World } from './helpers/world';

describe('a worker killed mid-job', () => {
  let world: World;
  let videos: VideoClient;
  const taskQueue = `restart-${process.pid}`;
  const store = mkdtempSync(join(tmpdir(), 'video-restart-'));
  let workers: WorkerProcesses;
  const spawnWorker = () => workers.spawn();

  /** The command line, connected by the TEMPORAL_* variables as a user's shell would be. */
  const cli = (args: string[]) => runCli(args, { TEMPORAL_ADDRESS: world.server.address, VIDEO_TASK_QUEUE: taskQueue });

  before(async () => {
    world = await startWorld();
    videos = new VideoClient(world.client, { taskQueue });
    workers = new WorkerProcesses(world, { taskQueue, store });
  });
  afterEach(async () => {
    await workers.killAll();
  });
  after(async () => {
    await world?.close();
  });

  test('killed while polling: a new worker finishes the job, with exactly one submit', async () => {
    world.simulator.configure({ queuedMs: 500, processingMs: 8000 });
    const first = await spawnWorker();
    const job = await videos.start({ prompt: 'crash me', poll_interval: '500ms' });
    await eventually(async () => (await job.progress()).status === 'processing', 30_000, 'processing');
    await kill(first);
    const pollsBefore = world.simulator.callsTo('status').length;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(world.simulator.callsTo('status').length, pollsBefore, 'nothing polls while no worker runs');
    await spawnWorker();
    const result = await job.result();
    assert.equal(result.status, 'succeeded');
    assert.equal(world.simulator.callsTo('submit').length, 1, 'exactly one submit');
    assert.equal(world.simulator.jobs.size, 1);
  });

  test('killed during submit: the retried submit reuses the idempotency key, one upstream job', async () => {
    world.simulator.configure({ queuedMs: 300, processingMs: 1000 });
    const jobsBefore = world.simulator.jobs.size;
    // The gateway creates the job but answers slowly: the worker dies before it learns the job id.
    world.simulator.addFault({ route: 'submit', delayMs: 3000 });
    const first = await spawnWorker();
    const job = await videos.start({ prompt: 'crash during submit', poll_interval: '300ms' });
    await eventually(
      () => world.simulator.calls.some((c) => c.route === 'submit' && c.status === 0),
      30_000,
      'submit in flight',
    );
    await kill(first);
    await spawnWorker();
    const result = await job.result();
    const submits = world.simulator.callsTo('submit').filter((c) => c.job_id === result.job_id);
    assert.equal(result.status, 'succeeded');
    assert.equal(world.simulator.jobs.size, jobsBefore + 1, 'one upstream job, not two');
    assert.equal(submits.length, 2, 'the submit was retried');
    assert.equal(submits[0].idempotency_key, submits[1].idempotency_key);
  });

  test('a campaign row run as an activity, its worker killed mid-job: a new worker resumes the same job', async () => {
    world.simulator.configure({ queuedMs: 500, processingMs: 10_000 });
    const first = await spawnWorker();
    const campaign = await videos.startCampaign({
      videos: [
        { id: 'a', prompt: 'crashed row a' },
        { id: 'b', prompt: 'crashed row b' },
      ],
      defaults: { poll_interval: '500ms', model: 'wan-2-1' },
      concurrency: 2,
      row_runner: 'activity',
    });
    const jobs = () => [...world.simulator.jobs.values()].filter((j) => j.prompt.startsWith('crashed row'));
    // Killed once both rows' heartbeats carry their job ids, so the new worker resumes rather than resubmits.
    await eventually(
      async () => {
        const pending = (await campaign.handle.describe()).raw.pendingActivities ?? [];
        const heartbeated = pending.map((a) => {
          const [payload] = a.heartbeatDetails?.payloads ?? [];
          return payload && defaultPayloadConverter.fromPayload<{ state?: CarriedState }>(payload).state;
        });
        return heartbeated.filter((state) => state?.attempts[0]?.job_id).length === 2;
      },
      30_000,
      'both job ids heartbeated',
    );
    await kill(first);
    await spawnWorker();
    const result = await campaign.result();
    assert.equal(result.succeeded, 2);
    assert.equal(jobs().length, 2, 'one upstream job per row');
    const submits = world.simulator.callsTo('submit').filter((c) => jobs().some((j) => j.id === c.job_id));
    assert.equal(submits.length, 2, 'the new worker submitted nothing again');
    for (const row of result.videos!) assert.ok(row.video_uri && row.sha256, `${row.id} mirrored`);
  });

  test('the generate command starts a job, shows progress and prints the result', async () => {
    world.simulator.configure({ queuedMs: 200, processingMs: 1500 });
    await spawnWorker();
    const { code, stdout, stderr } = await cli([
      'generate',
      '--json',
      JSON.stringify({ prompt: 'from the command line', poll_interval: '300ms' }),
    ]);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout);
    assert.equal(result.status, 'succeeded');
    assert.match(stderr, /started video-/);
    assert.match(stderr, /succeeded/);
    const bad = await cli(['generate', '--json', JSON.stringify({ prompt: 'x', duration_seconds: -4 })]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /duration_seconds/);
  });
});
