/**
 * Records the workflow histories that test/replay.test.ts replays: the 1.0 baseline, one history for
 * every workflow type, every message (signals, updates) and both poll modes. Run it only when a
 * change is *meant* to be incompatible, which docs/versioning.md says how to ship:
 * `npx tsx scripts/record-histories.ts` records the missing ones, `--force` all of them again.
 * Every other change must replay these histories unchanged.
 *
 * Each recording waits for the state it needs (a job id, a status) before it steers, never a duration,
 * so what is recorded is the same on a fast machine and a busy one.
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { VideoJob } from '../src/client';
import { eventually, startWorld, type World } from '../test/helpers/world';

const OUT = join(__dirname, '..', 'test', 'histories');
const FORCE = process.argv.includes('--force');
mkdirSync(OUT, { recursive: true });
const wanted = (name: string) => FORCE || !existsSync(join(OUT, `${name}.json`));

function save(name: string, history: unknown, events: number | undefined): void {
  writeFileSync(join(OUT, `${name}.json`), `${JSON.stringify(JSON.parse(historyToJSON(history as never)), null, 1)}\n`);
  console.log(`recorded ${name}: ${events} events`);
}

async function record(
  world: World,
  name: string,
  job: { workflowId: string; result(): Promise<unknown> },
): Promise<void> {
  await job.result().catch(() => undefined);
  if (!wanted(name)) return; // recorded already: a baseline is kept as it was recorded
  const history = await world.client.workflow.getHandle(job.workflowId).fetchHistory();
  save(name, history, history.events?.length);
}

/** Until the live attempt has a job upstream (and, with `attempts`, that many attempts). */
const submitted = (job: VideoJob, attempts = 1) =>
  eventually(async () => {
    const p = await job.progress();
    return p.attempts.length === attempts && p.attempts[attempts - 1].job_id ? p : undefined;
  }, 30_000);

/** A world per group: [names it records, what records them]. */
const GROUPS: [string[], () => Promise<void>][] = [
  [['happy-path-infery', 'invalid-input', 'timeout', 'wait-for-submit'], infery],
  [['happy-path-activity', 'fallback-on-quota', 'cancel-signal', 'fallback-update', 'fallback-signal'], infrai],
  [['outage-and-unfamiliar-status', 'submit-conflict'], faults],
  [['continue-as-new'], continuedAsNew],
  [['activity-status-told'], statusTold],
  [['campaign-activity-rows'], activityRows],
  [
    ['campaign-budgeted', 'campaign-steered', 'campaign-manifest', 'campaign-remirror', 'remirror-finished-job'],
    campaigns,
  ],
];

async function main(): Promise<void> {
  for (const [names, recordGroup] of GROUPS) if (names.some(wanted)) await recordGroup();
}

async function infery(): Promise<void> {
  const world = await startWorld();
  try {
    await record(
      world,
      'happy-path-infery',
      await world.videos.start({ prompt: 'replay: happy', poll_interval: '200ms' }),
    );
    await record(
      world,
      'invalid-input',
      await world.videos.start({ prompt: 'replay: too long', duration_seconds: 30 }),
    );
    const waited = await world.videos.start(
      { prompt: 'replay: wait', poll_interval: '200ms' },
      { waitForSubmit: true },
    );
    await record(world, 'wait-for-submit', waited);
    world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    await record(
      world,
      'timeout',
      await world.videos.start({ prompt: 'replay: timeout', poll_interval: '300ms', timeout: '2s' }),
    );
  } finally {
    await world.close();
  }
}

/** 1.0.x: a watch tells its workflow of a new status word by signal and goes on (no hand-over). */
async function statusTold(): Promise<void> {
  const world = await startWorld({ simulator: { queuedMs: 300, processingMs: 1500 } });
  try {
    const job = await world.videos.start({ prompt: 'replay: told', poll_interval: '200ms', poll_mode: 'activity' });
    await record(world, 'activity-status-told', job);
  } finally {
    await world.close();
  }
}

/** A campaign whose rows run as activities, one handing its run back for the next model. */
async function activityRows(): Promise<void> {
  const world = await startWorld({ dialect: 'infrai', simulator: { queuedMs: 200, processingMs: 600 } });
  try {
    world.simulator.addFault({ route: 'submit', model: 'veo-3-1', status: 429, retryAfter: 1, times: 10 });
    const campaign = await world.videos.startCampaign({
      videos: [
        { id: 'plain', prompt: 'replay: row as activity' },
        { id: 'falls-back', prompt: 'replay: row falls back', model: 'veo-3-1', fallback_models: ['wan-2-1'] },
      ],
      defaults: { poll_interval: '200ms', model: 'wan-2-1' },
      concurrency: 2,
      row_runner: 'activity',
    });
    await record(world, 'campaign-activity-rows', campaign);
  } finally {
    await world.close();
  }
}

async function infrai(): Promise<void> {
  const world = await startWorld({ dialect: 'infrai', simulator: { queuedMs: 200, processingMs: 1500 } });
  try {
    await record(
      world,
      'happy-path-activity',
      await world.videos.start({ prompt: 'replay: activity', poll_interval: '200ms', poll_mode: 'activity' }),
    );
    world.simulator.addFault({ route: 'submit', model: 'veo-3-1', status: 429, retryAfter: 1, times: 10 });
    await record(
      world,
      'fallback-on-quota',
      await world.videos.start({
        prompt: 'replay: quota',
        model: 'veo-3-1',
        fallback_models: ['wan-2-1'],
        poll_interval: '200ms',
      }),
    );
    world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    const cancelled = await world.videos.start({ prompt: 'replay: cancel', poll_interval: '200ms' });
    await submitted(cancelled);
    await cancelled.cancel('replay');
    await record(world, 'cancel-signal', cancelled);

    const updated = await world.videos.start({
      prompt: 'replay: fallback update',
      fallback_models: ['wan-2-1', 'grok-video'],
      poll_interval: '200ms',
    });
    await submitted(updated);
    await updated.requestFallback({ model: 'no-such-model' }).catch(() => undefined); // refused by its validator
    world.simulator.configure({ queuedMs: 200, processingMs: 600 });
    await updated.requestFallback({ model: 'grok-video', reason: 'replay' });
    await record(world, 'fallback-update', updated);

    world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    const signalled = await world.videos.start({
      prompt: 'replay: fallback signal',
      fallback_models: ['wan-2-1'],
      poll_interval: '200ms',
      poll_mode: 'activity',
    });
    await submitted(signalled);
    await signalled.fallback({ reason: 'replay' });
    await submitted(signalled, 2);
    await signalled.cancel('replay');
    await record(world, 'fallback-signal', signalled);
  } finally {
    await world.close();
  }
}

/** Status outages and unfamiliar words waited out; a submit answered 409 after the job was made. */
async function faults(): Promise<void> {
  const world = await startWorld({ dialect: 'infrai', simulator: { queuedMs: 200, processingMs: 3000 } });
  try {
    const outage = await world.videos.start({ prompt: 'replay: outage', poll_interval: '200ms' });
    await submitted(outage);
    world.simulator.addFault({ route: 'status', status: 503, times: 4 });
    world.simulator.addFault({ route: 'status', statusWord: 'upscaling', times: 3 });
    await record(world, 'outage-and-unfamiliar-status', outage);
    world.simulator.configure({ queuedMs: 200, processingMs: 600 });
    world.simulator.addFault({ route: 'submit', status: 409, afterWork: true });
    await record(world, 'submit-conflict', await world.videos.start({ prompt: 'replay: 409', poll_interval: '200ms' }));
  } finally {
    await world.close();
  }
}

/** The first run of a video that continues as new. */
async function continuedAsNew(): Promise<void> {
  const world = await startWorld({ server: { dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 25 } } });
  try {
    world.simulator.configure({ queuedMs: 200, processingMs: 4000 });
    const job = await world.videos.start({ prompt: 'replay: continue-as-new', poll_interval: '200ms' });
    await job.result();
    for await (const execution of world.client.workflow.list({
      query: `WorkflowId = '${job.workflowId}' AND ExecutionStatus = 'ContinuedAsNew'`,
    })) {
      const history = await world.client.workflow.getHandle(job.workflowId, execution.runId).fetchHistory();
      save('continue-as-new', history, history.events?.length);
      break;
    }
  } finally {
    await world.close();
  }
}

/**
 * VideoCampaign: a budget (one row skipped for it), every signal, a manifest in the store, and a
 * retry that mirrors a made but unmirrored video again (RemirrorFinishedJob).
 */
async function campaigns(): Promise<void> {
  const world = await startWorld({ dialect: 'infrai', simulator: { queuedMs: 200, processingMs: 600 } });
  try {
    const rows = (n: number, what: string) =>
      Array.from({ length: n }, (_, i) => ({ id: `v${i + 1}`, prompt: `replay: ${what} ${i + 1}` }));
    await record(
      world,
      'campaign-budgeted',
      await world.videos.startCampaign({
        videos: [...rows(2, 'budgeted'), { id: 'dear', prompt: 'replay: too dear', model: 'veo-3-1' }],
        defaults: { poll_interval: '200ms', model: 'wan-2-1' },
        concurrency: 2,
        max_credits: 100,
      }),
    );

    world.simulator.configure({ queuedMs: 200, processingMs: 60_000 });
    const steered = await world.videos.startCampaign({
      videos: rows(4, 'steered'),
      defaults: { poll_interval: '200ms', model: 'wan-2-1' },
      concurrency: 2,
    });
    await eventually(async () => ((await steered.progress()).running === 2 ? true : undefined), 30_000);
    await steered.pause();
    await steered.resume();
    await steered.retryFailed();
    await steered.cancel('replay');
    await record(world, 'campaign-steered', steered);

    world.simulator.configure({ queuedMs: 200, processingMs: 600 });
    const manifest = await world.dependencies.store.put(
      'campaigns/replay/manifest.jsonl',
      Readable.from([
        rows(3, 'manifest')
          .map((r) => `${JSON.stringify(r)}\n`)
          .join(''),
      ]),
      { contentType: 'application/x-ndjson' },
    );
    await record(
      world,
      'campaign-manifest',
      await world.videos.startCampaign({ manifest: { uri: manifest.uri }, defaults: { poll_interval: '200ms' } }),
    );

    world.simulator.addFault({ route: 'video', redirectTo: 'http://169.254.169.254/latest/meta-data/', times: 1 });
    const unmirrored = await world.videos.startCampaign({
      videos: rows(1, 'remirror'),
      defaults: { poll_interval: '200ms', model: 'wan-2-1' },
    });
    await unmirrored.result();
    const retried = await unmirrored.retryFailed();
    await record(world, 'campaign-remirror', retried);
    const [child] = (await retried.result()).videos ?? [];
    if (child?.workflow_id)
      await record(world, 'remirror-finished-job', world.client.workflow.getHandle(child.workflow_id));
  } finally {
    await world.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
