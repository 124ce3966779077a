/**
 * `npm run bench -- fleet --n 1000 --job-seconds 60 [--mode timer|activity|both] [--server file|memory|cluster]`:
 * N GenerateVideo started through the client against one worker process (`durable-video worker` from the sources, run as
 * `npm run worker` runs it: its node flags, no VIDEO_WORKER_* settings beyond the caller's own), the
 * gateway simulator and a Temporal server, all on this machine. The server is the project's dev server
 * on a SQLite file (as the demo and the tests run it) unless `--server memory` (in-memory dev server,
 * labelled) or `--server cluster` (temporal-server on PostgreSQL). Prints figures, never pass/fail.
 */
import { Command } from 'commander';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { VideoClient } from '../src/client';
import { buildWorkflowBundle } from '../scripts/build-workflows';
import { startCluster } from '../src/cluster';
import { startDevServer } from '../src/dev-server';
import { DEFAULT_ACTIVITY_SLOTS } from '../src/worker-tuning';
import { startSimulator, type GatewaySimulator } from '../src/simulator/server';

const ROOT = join(__dirname, '..');
/** Extra node flags for the worker: none, as `npm run worker` runs it (the worker sets its own heap flag). */
const WORKER_NODE_FLAGS = '';
const TICKS = 100; // clock ticks per second for /proc/<pid>/stat on Linux

interface FleetOptions {
  n: number;
  jobSeconds: number;
  mode: 'timer' | 'activity' | 'both';
  /** file: the dev server on a SQLite file (WAL), as the project runs it; memory: in memory; cluster: PostgreSQL. */
  server: string;
  pollInterval: number | 'auto';
  maxRps?: number;
  /** Write the worker's CPU profile here (node --cpu-prof) and print where its time went. */
  cpuProf?: string;
  /** false (--no-prebuilt-bundle): the worker bundles the workflows as it starts. */
  prebuiltBundle: boolean;
  /** Node flags for the worker process; by default those of `npm run worker`. */
  nodeFlags: string;
  /** Set by fleet(): the bundle every worker is given. */
  bundlePath?: string;
}

/** CPU seconds (user + system) of a process, its peak and current RSS in MB, from /proc. */
function processFigures(pid: number): { cpu: number; peakRssMb: number; rssMb: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const cpu = (Number(stat[11]) + Number(stat[12])) / TICKS;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const mb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
    return { cpu, peakRssMb: mb('VmHWM'), rssMb: mb('VmRSS') };
  } catch {
    return { cpu: 0, peakRssMb: 0, rssMb: 0 };
  }
}

/** Processes whose command line contains every one of `parts` (the server, PostgreSQL). */
function findProcesses(...parts: string[]): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return parts.every((p) => cmd.includes(p));
      } catch {
        return false;
      }
    })
    .map(Number);
}

const percentile = (values: number[], p: number) => {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

async function spawnWorker(
  address: string,
  simulator: GatewaySimulator,
  taskQueue: string,
  env: Record<string, string>,
  nodeFlags: string[],
  cpuProf?: string,
) {
  const store = mkdtempSync(join(tmpdir(), 'fleet-store-'));
  const profiling = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : [];
  const child = spawn(process.execPath, [...profiling, ...nodeFlags, '--import', 'tsx', 'src/cli/main.ts', 'worker'], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'default',
      VIDEO_API_BASE_URL: simulator.url,
      VIDEO_API_KEY: simulator.apiKey,
      VIDEO_API_DIALECT: 'infery',
      VIDEO_STORE: store,
      VIDEO_TASK_QUEUE: taskQueue,
      VIDEO_MIRROR_ALLOW_LOOPBACK: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Counted as the lines pass: a full worker says its watches start late (activities/watch.ts).
  const warnings = { lateStarts: 0 };
  const watchLog = (d: Buffer) => (warnings.lateStarts += (String(d).match(/job watch started late/g) ?? []).length);
  child.stdout!.on('data', (d) => ((output += d), watchLog(d)));
  child.stderr!.on('data', (d) => ((output = `${output}${d}`.slice(-5000)), watchLog(d)));
  const deadline = Date.now() + 120_000;
  while (!output.includes('Worker polling')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, store, warnings };
}

/** Run `count` tasks, at most `width` at a time. */
async function pool<T>(count: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

async function runFleet(
  mode: 'timer' | 'activity',
  options: FleetOptions,
  server: { address: string; pids: () => number[] },
): Promise<[string, string][]> {
  const queuedMs = 1000;
  const simulator = await startSimulator({ queuedMs, processingMs: options.jobSeconds * 1000 - queuedMs });
  const taskQueue = `fleet-${mode}-${Date.now()}`;
  // No tuning of our own: the worker's defaults, and only the VIDEO_WORKER_* the caller set (printed).
  const workerEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (key.startsWith('VIDEO_WORKER_') && value) workerEnv[key] = value;
  if (options.maxRps) workerEnv.VIDEO_API_MAX_RPS = String(options.maxRps);
  if (options.bundlePath) workerEnv.VIDEO_WORKFLOW_BUNDLE = options.bundlePath;
  const profileDir = options.cpuProf ? join(options.cpuProf, mode) : undefined;
  const nodeFlags = options.nodeFlags.split(' ').filter(Boolean);
  const { child, store, warnings } = await spawnWorker(
    server.address,
    simulator,
    taskQueue,
    workerEnv,
    nodeFlags,
    profileDir,
  );
  const connection = await Connection.connect({ address: server.address });
  const videos = new VideoClient(new Client({ connection }), { taskQueue });
  const serverCpuBefore = server.pids().reduce((sum, pid) => sum + processFigures(pid).cpu, 0);
  const workerBefore = processFigures(child.pid!);
  const rssSamples: number[] = [];
  let sampler: NodeJS.Timeout | undefined;
  try {
    const started = Date.now();
    // The worker's RSS every second: the peak alone cannot tell a start-up burst from a steady state.
    sampler = setInterval(() => rssSamples.push(processFigures(child.pid!).rssMb), 1000);
    const jobs = await pool(options.n, 50, (i) =>
      videos.start({
        prompt: `fleet ${mode} ${i}`,
        poll_interval: options.pollInterval === 'auto' ? 'auto' : `${options.pollInterval}ms`,
        poll_mode: mode,
        timeout: '1h',
      }),
    );
    const startSeconds = (Date.now() - started) / 1000;
    const outcomes = await pool(jobs.length, 200, (i) =>
      jobs[i].result().then(
        () => true,
        () => false,
      ),
    );
    const wallSeconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    const worker = processFigures(child.pid!);
    const serverCpu = server.pids().reduce((sum, pid) => sum + processFigures(pid).cpu, 0) - serverCpuBefore;

    const gaps: number[] = [];
    // The gap across the queued -> processing change (a hand-over, when a watch returned for it),
    // apart from the others: where a late poll comes from.
    const changeGaps: number[] = [];
    const otherGaps: number[] = [];
    const lags: number[] = [];
    let providerCalls = 0;
    for (const job of simulator.jobs.values()) {
      const calls = simulator.calls.filter(
        (c) => c.job_id === job.id && c.route !== 'video' && c.route !== 'thumbnail',
      );
      providerCalls += calls.length;
      const polls = calls.filter((c) => c.route === 'status').map((c) => c.at);
      const changedAt = polls.findIndex((at) => at >= job.created_ms + job.queued_ms);
      polls.slice(1).forEach((at, i) => {
        gaps.push(at - polls[i]);
        (i === changedAt ? changeGaps : otherGaps).push(at - polls[i]);
      });
      const done = job.created_ms + job.queued_ms + job.processing_ms;
      const detected = polls.find((at) => at >= done);
      if (detected !== undefined) lags.push(detected - done);
    }
    // The busiest second the gateway saw (API calls only: downloads are storage, not the API).
    const perSecond = new Map<number, number>();
    for (const call of simulator.calls) {
      if (call.route === 'video' || call.route === 'thumbnail') continue;
      const second = Math.floor(call.at / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    const busiest = Math.max(...perSecond.values());
    // 20 workflows spread over the start order, the last one included: the tail shows too.
    const sampled = Array.from({ length: 20 }, (_, k) => jobs[Math.floor(((k + 1) * (jobs.length - 1)) / 20)]);
    const histories = await Promise.all(
      sampled.map(async (j) => {
        const events = (await j.handle.fetchHistory()).events ?? [];
        const at = (e: (typeof events)[number] | undefined) => optionalTsToMs(e?.eventTime) ?? NaN;
        const mirror = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'mirrorVideo');
        const mirrorStarted = events.find(
          (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(mirror?.eventId),
        );
        const mirrorDone = events.find(
          (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(mirror?.eventId),
        );
        return {
          // From the ending's detection (the mirror scheduled) to the mirror's start, its end, the close.
          tail: [
            at(mirrorStarted) - at(mirror),
            at(mirrorDone) - at(mirrorStarted),
            at(events.at(-1)) - at(mirrorDone),
          ],
          events: events.length,
          workflowTasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
          watches: events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'watchVideoJob')
            .length,
        };
      }),
    );
    const range = (values: number[]) =>
      Math.min(...values) === Math.max(...values) ? `${values[0]}` : `${Math.min(...values)}-${Math.max(...values)}`;
    const lateStarts = warnings.lateStarts;
    const intervalSeconds = options.pollInterval === 'auto' ? 5 : options.pollInterval / 1000;
    const floor = 1 + Math.ceil(options.jobSeconds / intervalSeconds);
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    return [
      ['start rate', `${(options.n / startSeconds).toFixed(0)} workflows/s`],
      ['completed', `${outcomes.filter(Boolean).length}/${options.n} in ${wallSeconds.toFixed(0)} s`],
      ['submits', `${simulator.callsTo('submit').length}`],
      ['poll gap p50 / p99 / max', `${s(percentile(gaps, 50))} / ${s(percentile(gaps, 99))} / ${s(Math.max(...gaps))}`],
      ['gap p99: at status change / rest', `${s(percentile(changeGaps, 99))} / ${s(percentile(otherGaps, 99))}`],
      ['detection lag p50 / p99', `${s(percentile(lags, 50))} / ${s(percentile(lags, 99))}`],
      ['busiest second at the gateway', `${busiest} requests${options.maxRps ? ` (budget ${options.maxRps}/s)` : ''}`],
      ['provider calls per video (floor)', `${(providerCalls / options.n).toFixed(2)} (${floor})`],
      ['worker peak RSS', `${worker.peakRssMb.toFixed(0)} MB`],
      [
        'worker RSS p50 / p90 (each second)',
        `${percentile(rssSamples, 50).toFixed(0)} MB / ${percentile(rssSamples, 90).toFixed(0)} MB`,
      ],
      ['worker RSS when ready (peak)', `${workerBefore.rssMb.toFixed(0)} MB (${workerBefore.peakRssMb.toFixed(0)} MB)`],
      [
        'worker CPU (per video)',
        `${(worker.cpu - workerBefore.cpu).toFixed(0)} s (${((1000 * (worker.cpu - workerBefore.cpu)) / options.n).toFixed(0)} ms)`,
      ],
      ['server CPU (per video)', `${serverCpu.toFixed(0)} s (${((1000 * serverCpu) / options.n).toFixed(0)} ms)`],
      [
        'tail max: mirror wait/run/close',
        [0, 1, 2].map((k) => s(Math.max(...histories.map((h) => h.tail[k])))).join(' / '),
      ],
      ['history events per workflow', range(histories.map((h) => h.events))],
      ['workflow tasks per workflow', range(histories.map((h) => h.workflowTasks))],
      ['watch activities per workflow', range(histories.map((h) => h.watches))],
      ['"watch started late" warnings', `${lateStarts}`],
    ];
  } finally {
    clearInterval(sampler);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await connection.close();
    await simulator.close();
    rmSync(store, { recursive: true, force: true });
  }
}

export async function fleet(argv: string[]): Promise<void> {
  const options = new Command('fleet')
    .option('--n <n>', 'workflows in flight', (v) => Number(v), 1000)
    .option('--job-seconds <s>', 'how long each upstream job takes', (v) => Number(v), 60)
    .option('--mode <mode>', 'timer | activity | both', 'timer')
    .option(
      '--server <servers>',
      'file (dev server on a SQLite file, default) | memory (dev server in memory) | cluster (PostgreSQL); a list compares them',
      'file',
    )
    .option('--poll-interval <ms>', 'poll interval in ms, or auto', (v) => (v === 'auto' ? 'auto' : Number(v)), 5000)
    .option('--max-rps <n>', 'VIDEO_API_MAX_RPS for the worker (the gateway budget)', (v) => Number(v))
    .option('--cpu-prof <dir>', "write the worker's CPU profile to this folder and summarise it")
    .option(
      '--node-flags <flags>',
      'extra node flags for the worker (it sets --heap-growing-percent=20 itself unless given one)',
      WORKER_NODE_FLAGS,
    )
    .option(
      '--no-prebuilt-bundle',
      'let the worker bundle the workflows as it starts (default: built once, as in production)',
    )
    .parse(argv, { from: 'user' })
    .opts<FleetOptions>();
  const bundleDir = options.prebuiltBundle ? mkdtempSync(join(tmpdir(), 'fleet-bundle-')) : undefined;
  if (bundleDir) options.bundlePath = await buildWorkflowBundle(join(bundleDir, 'workflow-bundle.js'));
  const servers = parseServers(String(options.server));
  const columns: [string, [string, string][]][] = [];
  try {
    const modes = options.mode === 'both' ? (['timer', 'activity'] as const) : [options.mode as 'timer' | 'activity'];
    for (const kind of servers) {
      const server = await startServer(kind);
      try {
        for (const mode of modes)
          columns.push([`${STORE_LABEL[kind]}, ${mode}`, await runFleet(mode, options, server)]);
      } finally {
        await server.stop();
      }
    }
    const slots = process.env.VIDEO_WORKER_MAX_ACTIVITIES ?? `${DEFAULT_ACTIVITY_SLOTS} (default)`;
    const tuning = Object.entries(process.env).filter(([k, v]) => k.startsWith('VIDEO_WORKER_') && v);
    console.log(
      `\nfleet: N=${options.n}, ${options.jobSeconds} s jobs, ${options.pollInterval}${options.pollInterval === 'auto' ? '' : ' ms'} polls` +
        (options.maxRps ? `, budget ${options.maxRps} requests/s` : '') +
        `\nmachine: ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, load average at the end ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} (anything else running shares these cores)` +
        `\nworker: as \`npm run worker\` runs it (node flags: ${options.nodeFlags || 'none; it sets --heap-growing-percent=20 itself'}), ` +
        `activity slots ${slots}, ${tuning.length ? tuning.map(([k, v]) => `${k}=${v}`).join(' ') : 'no VIDEO_WORKER_* settings'}, ` +
        (options.prebuiltBundle ? 'prebuilt workflow bundle' : 'workflows bundled at worker start'),
    );
    for (const kind of servers) console.log(`store ${STORE_LABEL[kind]}: ${STORE_MEANING[kind]}`);
    const width = 40;
    console.log(`${''.padEnd(34)}${columns.map(([label]) => label.padEnd(width)).join('')}`);
    for (let row = 0; row < (columns[0]?.[1].length ?? 0); row++) {
      console.log(
        `${columns[0][1][row][0].padEnd(34)}${columns.map(([, figures]) => figures[row][1].padEnd(width)).join('')}`,
      );
    }
    for (const mode of options.cpuProf ? modes : []) {
      console.log(`\nworker CPU profile, ${mode} mode (self time)`);
      for (const [what, value] of summariseProfile(join(options.cpuProf!, mode)))
        console.log(`${what.padEnd(64)}${value}`);
    }
  } finally {
    if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  }
}

type ServerKind = 'file' | 'memory' | 'cluster';
const STORE_LABEL: Record<ServerKind, string> = { file: 'SQLite file', memory: 'memory', cluster: 'PostgreSQL' };
const STORE_MEANING: Record<ServerKind, string> = {
  file: 'the dev server (temporal server start-dev) on a SQLite file, journal_mode=wal, synchronous=normal, as the project runs it',
  memory: 'the dev server with history in memory only (lost when it stops: not durable, for comparison)',
  cluster: 'temporal-server v1.29.1 on PostgreSQL 15 (src/cluster.ts), on this machine',
};

/** `--server file,cluster`: the servers to compare, in order ("dev" is the file store, as before). */
function parseServers(value: string): ServerKind[] {
  return value.split(',').map((v) => {
    const kind = v.trim() === 'dev' ? 'file' : v.trim();
    if (!(kind in STORE_LABEL)) throw new Error(`--server ${v}: expected file, memory or cluster`);
    return kind as ServerKind;
  });
}

async function startServer(
  kind: ServerKind,
): Promise<{ address: string; stop: () => Promise<void>; pids: () => number[] }> {
  if (kind === 'cluster') {
    const c = await startCluster({ log: (line) => console.error(line) });
    return {
      address: c.address,
      stop: c.stop,
      pids: () => [
        ...findProcesses('server', '--root', 'temporal-cluster-'),
        ...findProcesses('postgres', 'temporal-cluster-'),
      ],
    };
  }
  const d = await startDevServer({ store: kind });
  return {
    address: d.address,
    stop: d.stop,
    pids: () => findProcesses('start-dev', `--port ${d.address.split(':').pop()}`),
  };
}

export type { ChildProcess };

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/**
 * Where the worker's CPU went, from node's .cpuprofile: self time by function and by where the code
 * lives (our source, the Temporal SDK, the workflow bundle, node itself, garbage collection).
 */
export function summariseProfile(dir: string): [string, string][] {
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .at(-1);
  if (!file) return [['cpu profile', `none written in ${dir}`]];
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const place = (url: string, name: string) => {
    if (name === '(garbage collector)') return 'garbage collection';
    if (name === '(idle)' || name === '(program)') return name;
    if (url.includes('@temporalio')) return `@temporalio/${url.split('@temporalio/')[1].split('/')[0]}`;
    if (url.includes('node_modules')) return url.split('node_modules/').at(-1)!.split('/')[0];
    if (url.includes('/src/')) return 'our src/';
    if (!url) return 'native / VM';
    if (url.startsWith('node:')) return 'node core';
    return 'workflow bundle / other';
  };
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = place(url, functionName);
    byPlace.set(where, (byPlace.get(where) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1)}%`;
  const top = (map: Map<string, number>, n: number) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
  return [
    ['cpu profile', join(dir, file)],
    ...top(byPlace, 8).map(([k, v]): [string, string] => [`  where: ${k}`, pct(v)]),
    ...top(byFunction, 12).map(([k, v]): [string, string] => [`  fn: ${k.slice(0, 60)}`, pct(v)]),
  ];
}
