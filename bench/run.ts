/**
 * `npm run bench`: figures, not pass/fail. Runs against a real dev server and the simulator.
 *   poll-loop   history events per poll and the real spacing of polls
 *   mirror      a 200 MB video mirrored: throughput and how much the worker's memory grows
 *   concurrent  many jobs at once: wall time and worker memory
 *   fleet       (by name only, with options) N jobs in flight against a separate worker process: bench/fleet.ts
 *   campaign    (by name only, with options) a CSV campaign of R rows: bench/campaign.ts
 * `npm run bench -- mirror` runs one of them.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { startWorld } from '../test/helpers/world';
import { campaign } from './campaign';
import { fleet } from './fleet';

const MB = 1024 * 1024;
const figures: [string, string, string][] = [];
const report = (bench: string, what: string, value: string) => {
  figures.push([bench, what, value]);
  console.log(`${bench.padEnd(11)} ${what.padEnd(50)} ${value}`);
};

async function pollLoop(): Promise<void> {
  const world = await startWorld({ simulator: { queuedMs: 0, processingMs: 30_000 } });
  try {
    for (const interval of [1000, 5000]) {
      const job = await world.videos.start({ prompt: `bench poll ${interval}`, poll_interval: `${interval}ms` });
      const result = await job.result();
      const polls = world.simulator
        .callsTo('status')
        .filter((c) => c.job_id === result.job_id)
        .map((c) => c.at);
      const gaps = polls.slice(1).map((t, i) => t - polls[i]);
      const history = (await job.handle.fetchHistory()).events ?? [];
      const events = history.length;
      // Steady state: from the first poll timer to the last poll marker, divided by the polls between.
      const first = history.findIndex((e) => e.timerStartedEventAttributes);
      const markers = history.map((e, i) => (e.markerRecordedEventAttributes ? i : -1)).filter((i) => i > first);
      const perPoll = (markers[markers.length - 1] - first + 1) / markers.length;
      const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
      report('poll-loop', `interval ${interval} ms: polls`, `${polls.length}`);
      report(
        'poll-loop',
        `interval ${interval} ms: mean gap / max gap`,
        `${mean.toFixed(0)} ms / ${Math.max(...gaps)} ms`,
      );
      report(
        'poll-loop',
        `interval ${interval} ms: history events per poll`,
        `${perPoll.toFixed(2)} (${events} events in all)`,
      );
      report(
        'poll-loop',
        `interval ${interval} ms: polls before continue-as-new`,
        `~${Math.floor(4096 / perPoll)} (${(((4096 / perPoll) * interval) / 60_000).toFixed(0)} min at 4,096 events)`,
      );
    }
  } finally {
    await world.close();
  }
}

async function bigFile(bytes: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-video-'));
  const path = join(dir, 'big.mp4');
  const out = createWriteStream(path);
  const chunk = randomBytes(4 * MB);
  for (let written = 0; written < bytes; written += chunk.length) {
    if (!out.write(chunk.subarray(0, Math.min(chunk.length, bytes - written)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return path;
}

async function mirror(): Promise<void> {
  const size = Number(process.env.BENCH_MIRROR_MB ?? 200) * MB;
  const path = await bigFile(size);
  const world = await startWorld({ simulator: { queuedMs: 0, processingMs: 200, videoPath: path } });
  try {
    global.gc?.();
    const baseline = process.memoryUsage();
    let peakRss = baseline.rss;
    let peakHeap = baseline.heapUsed;
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakHeap = Math.max(peakHeap, now.heapUsed);
    }, 50);
    const started = Date.now();
    const result = await world.videos.generate({ prompt: 'bench mirror', poll_interval: '200ms' });
    const took = Date.now() - started;
    clearInterval(sampler);
    if (result.video.bytes !== size) throw new Error(`mirrored ${result.video.bytes} of ${size} bytes`);
    report('mirror', 'video size', `${(size / MB).toFixed(0)} MB`);
    report('mirror', 'job wall time (generate + mirror)', `${(took / 1000).toFixed(1)} s`);
    report('mirror', 'throughput (whole job)', `${(size / MB / (took / 1000)).toFixed(0)} MB/s`);
    report(
      'mirror',
      'peak RSS growth (simulator + worker, one process)',
      `${((peakRss - baseline.rss) / MB).toFixed(0)} MB`,
    );
    report('mirror', 'peak JS heap growth', `${((peakHeap - baseline.heapUsed) / MB).toFixed(0)} MB`);
  } finally {
    await world.close();
    rmSync(join(path, '..'), { recursive: true, force: true });
  }
}

async function concurrent(): Promise<void> {
  const jobs = Number(process.env.BENCH_JOBS ?? 100);
  const world = await startWorld({ simulator: { queuedMs: 500, processingMs: 5000 } });
  try {
    const before = process.memoryUsage().rss;
    const started = Date.now();
    const handles = await Promise.all(
      Array.from({ length: jobs }, (_, i) => world.videos.start({ prompt: `bench ${i}`, poll_interval: '1s' })),
    );
    const startedAll = Date.now() - started;
    const results = await Promise.all(handles.map((h) => h.result()));
    const took = Date.now() - started;
    report('concurrent', `${jobs} jobs of ~5.5 s upstream: time to start all`, `${(startedAll / 1000).toFixed(1)} s`);
    report('concurrent', `${jobs} jobs: wall time until all mirrored`, `${(took / 1000).toFixed(1)} s`);
    report(
      'concurrent',
      'submits seen by the gateway',
      `${world.simulator.callsTo('submit').length} (for ${results.length} videos)`,
    );
    report('concurrent', 'RSS growth', `${((process.memoryUsage().rss - before) / MB).toFixed(0)} MB`);
  } finally {
    await world.close();
  }
}

const benches: Record<string, () => Promise<void>> = { 'poll-loop': pollLoop, mirror, concurrent };

async function main(): Promise<void> {
  // `fleet` has options of its own: npm run bench -- fleet --n 1000 --job-seconds 60 --mode both
  if (process.argv[2] === 'fleet') return fleet(process.argv.slice(3));
  // npm run bench -- campaign --rows 10000 --concurrency 200 --job-seconds 2
  if (process.argv[2] === 'campaign') return campaign(process.argv.slice(3));
  const chosen = process.argv.slice(2).filter((a) => a in benches);
  for (const name of chosen.length ? chosen : Object.keys(benches)) await benches[name]();
  console.log('\nbench       figure                                             value');
  for (const [bench, what, value] of figures) console.log(`${bench.padEnd(11)} ${what.padEnd(50)} ${value}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
