/**
 * Records workflow histories for test/replay.test.ts. Run it when a workflow change is *meant* to be
 * incompatible (and then version the workflow with patched()): `npx tsx scripts/record-histories.ts`.
 * Every other change must replay these histories unchanged. Existing recordings are kept (they are
 * what proves old runs still replay); `--force` records everything again.
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorld, type World } from '../test/helpers/world';

const OUT = join(__dirname, '..', 'test', 'histories');
const FORCE = process.argv.includes('--force');
const wanted = (name: string) => FORCE || !existsSync(join(OUT, `${name}.json`));

async function record(
  world: World,
  name: string,
  job: { workflowId: string; result(): Promise<unknown> },
): Promise<void> {
  await job.result().catch(() => undefined);
  const history = await world.client.workflow.getHandle(job.workflowId).fetchHistory();
  writeFileSync(join(OUT, `${name}.json`), `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 1)}\n`);
  console.log(`recorded ${name}: ${history.events?.length} events`);
}

async function main(): Promise<void> {
  if (
    [
      'happy-path-infery',
      'invalid-input',
      'timeout',
      'fallback-on-quota',
      'cancel-signal',
      'manual-fallback',
      'continue-as-new',
    ].some(wanted)
  ) {
    await recordGenerateVideo();
  }
  if (['v2-happy-path', 'v2-outage-and-unfamiliar-status', 'v2-submit-conflict', 'v2-campaign'].some(wanted)) {
    await recordVersion2();
  }
  if (wanted('v3-campaign')) await recordVersion3();
  if (['v4-happy-path-activity', 'v4-invalid-input', 'v4-steered'].some(wanted)) await recordVersion4();
  if (wanted('campaign')) {
    const world = await startWorld({ dialect: 'infrai' });
    try {
      const videos = [1, 2, 3].map((i) => ({ id: `v${i}`, prompt: `replay: campaign ${i}` }));
      await record(
        world,
        'campaign',
        await world.videos.startCampaign({ videos, defaults: { poll_interval: '200ms' }, concurrency: 2 }),
      );
    } finally {
      await world.close();
    }
  }
}

/**
 * Version 2 (the state machine): search attributes upserted, status outages and unfamiliar words
 * waited out, a submit answered 409 after the job was made, a campaign with its patch marker.
 */
async function recordVersion2(): Promise<void> {
  const world = await startWorld({ dialect: 'infrai' });
  try {
    await record(world, 'v2-happy-path', await world.videos.start({ prompt: 'replay: v2', poll_interval: '200ms' }));
    world.simulator.configure({ queuedMs: 200, processingMs: 3000 });
    const outage = await world.videos.start({ prompt: 'replay: v2 outage', poll_interval: '200ms' });
    await new Promise((r) => setTimeout(r, 800));
    world.simulator.addFault({ route: 'status', status: 503, times: 4 });
    world.simulator.addFault({ route: 'status', statusWord: 'upscaling', times: 3 });
    await record(world, 'v2-outage-and-unfamiliar-status', outage);
    world.simulator.configure({ queuedMs: 200, processingMs: 600 });
    world.simulator.addFault({ route: 'submit', status: 409, afterWork: true });
    await record(
      world,
      'v2-submit-conflict',
      await world.videos.start({ prompt: 'replay: v2 409', poll_interval: '200ms' }),
    );
    const videos = [1, 2].map((i) => ({ id: `v${i}`, prompt: `replay: v2 campaign ${i}` }));
    await record(
      world,
      'v2-campaign',
      await world.videos.startCampaign({ videos, defaults: { poll_interval: '200ms' }, concurrency: 2 }),
    );
  } finally {
    await world.close();
  }
}

/** Version 3 of campaigns: rows and results in the store, a budget, behind its patch marker. */
async function recordVersion3(): Promise<void> {
  const world = await startWorld({ dialect: 'infrai', simulator: { queuedMs: 200, processingMs: 600 } });
  try {
    const videos = [1, 2, 3].map((i) => ({ id: `v${i}`, prompt: `replay: v3 campaign ${i}` }));
    await record(
      world,
      'v3-campaign',
      await world.videos.startCampaign({
        videos,
        defaults: { poll_interval: '200ms', model: 'wan-2-1' },
        concurrency: 2,
        max_credits: 100,
      }),
    );
  } finally {
    await world.close();
  }
}

/**
 * Version 4 of GenerateVideo: the input is checked by a local activity (the request-checked-by-activity
 * patch); message schemas load on first use. Polled in activity mode, steered, refused.
 */
async function recordVersion4(): Promise<void> {
  const world = await startWorld({ dialect: 'infrai', simulator: { queuedMs: 200, processingMs: 1500 } });
  try {
    await record(
      world,
      'v4-happy-path-activity',
      await world.videos.start({ prompt: 'replay: v4', poll_interval: '200ms', poll_mode: 'activity' }),
    );
    await record(
      world,
      'v4-invalid-input',
      await world.client.workflow.start('GenerateVideo', {
        taskQueue: world.taskQueue,
        workflowId: `replay-v4-invalid-${Date.now()}`,
        args: [{ prompt: 'replay: v4 bad', duration_seconds: -1 }],
      }),
    );
    world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    const steered = await world.videos.start({
      prompt: 'replay: v4 steer',
      fallback_models: ['wan-2-1'],
      poll_interval: '200ms',
    });
    await new Promise((r) => setTimeout(r, 1500));
    await steered.requestFallback({ model: 'no-such-model' }).catch(() => undefined);
    await steered.fallback({ reason: 'replay' });
    await new Promise((r) => setTimeout(r, 1500));
    await steered.cancel('replay');
    await record(world, 'v4-steered', steered);
  } finally {
    await world.close();
  }
}

async function recordGenerateVideo(): Promise<void> {
  const infery = await startWorld();
  try {
    await record(
      infery,
      'happy-path-infery',
      await infery.videos.start({ prompt: 'replay: happy', poll_interval: '200ms' }),
    );
    await record(
      infery,
      'invalid-input',
      await infery.videos.start({ prompt: 'replay: too long', duration_seconds: 30 }),
    );
    infery.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    await record(
      infery,
      'timeout',
      await infery.videos.start({ prompt: 'replay: timeout', poll_interval: '300ms', timeout: '2s' }),
    );
  } finally {
    await infery.close();
  }

  const infrai = await startWorld({ dialect: 'infrai' });
  try {
    infrai.simulator.addFault({ route: 'submit', model: 'veo-3-1', status: 429, retryAfter: 1, times: 10 });
    await record(
      infrai,
      'fallback-on-quota',
      await infrai.videos.start({
        prompt: 'replay: quota',
        model: 'veo-3-1',
        fallback_models: ['wan-2-1'],
        poll_interval: '200ms',
      }),
    );
    infrai.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    const cancelled = await infrai.videos.start({ prompt: 'replay: cancel', poll_interval: '200ms' });
    await new Promise((r) => setTimeout(r, 1500));
    await cancelled.cancel('replay');
    await record(infrai, 'cancel-signal', cancelled);
    const steered = await infrai.videos.start({
      prompt: 'replay: steer',
      fallback_models: ['wan-2-1', 'grok-video'],
      poll_interval: '200ms',
    });
    await new Promise((r) => setTimeout(r, 1500));
    await steered.requestFallback({ model: 'no-such-model' }).catch(() => undefined);
    infrai.simulator.configure({ queuedMs: 200, processingMs: 600 });
    await steered.requestFallback({ model: 'grok-video', reason: 'replay' });
    await record(infrai, 'manual-fallback', steered);
  } finally {
    await infrai.close();
  }

  const can = await startWorld({ server: { dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 25 } } });
  try {
    can.simulator.configure({ queuedMs: 200, processingMs: 4000 });
    const job = await can.videos.start({ prompt: 'replay: continue-as-new', poll_interval: '200ms' });
    await job.result();
    // The first run: it ends in continue-as-new.
    for await (const execution of can.client.workflow.list({
      query: `WorkflowId = '${job.workflowId}' AND ExecutionStatus = 'ContinuedAsNew'`,
    })) {
      const history = await can.client.workflow.getHandle(job.workflowId, execution.runId).fetchHistory();
      writeFileSync(
        join(OUT, 'continue-as-new.json'),
        `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 1)}\n`,
      );
      console.log(`recorded continue-as-new: ${history.events?.length} events`);
      break;
    }
  } finally {
    await can.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
