/**
 * `npm run bench -- campaign --rows R --concurrency C --job-seconds S`: a CSV campaign of R rows on a
 * dev server, the simulator and an in-process worker. Prints the time against the ideal R x S / C,
 * history events per run, the largest payload in any run, the worker's peak RSS, and checks that
 * every row is in the results manifest exactly once.
 */
import { Command, Option } from 'commander';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorld } from '../test/helpers/world';
import { readJsonl, runFigures, writeCsv } from '../test/helpers/campaigns';
import { campaignKey } from '../src/campaign/results';

interface CampaignBenchOptions {
  rows: number;
  concurrency: number;
  jobSeconds: number;
  pollMode?: 'timer' | 'activity';
  rowRunner?: 'workflow' | 'activity';
  serverConfig: Record<string, string | number | boolean>;
}

export async function campaign(argv: string[]): Promise<void> {
  const options = new Command('campaign')
    .option('--rows <n>', 'rows in the manifest', (v) => Number(v), 10_000)
    .option('--concurrency <n>', 'videos at once', (v) => Number(v), 200)
    .option('--job-seconds <s>', 'how long each upstream job takes', (v) => Number(v), 2)
    .option('--poll-mode <mode>', "the rows' poll_mode (timer or activity; default: the campaign's, activity)")
    .addOption(
      new Option('--row-runner <runner>', 'row_runner: a child workflow per row (the default) or activities').choices([
        'workflow',
        'activity',
      ]),
    )
    .option(
      '--server-config <key=value>',
      'a dynamic config value for the dev server (repeatable), to compare settings',
      (v: string, all: Record<string, string | number | boolean>) => ({ ...all, ...configValue(v) }),
      {},
    )
    .parse(argv, { from: 'user' })
    .opts<CampaignBenchOptions>();
  const { rows, concurrency, jobSeconds, pollMode, rowRunner, serverConfig } = options;
  const world = await startWorld({
    server: { dynamicConfig: serverConfig },
    simulator: { queuedMs: 0, processingMs: jobSeconds * 1000 },
    workerOptions: { maxCachedWorkflows: Math.max(2 * concurrency, 400) },
  });
  // Where a row's time goes: the server's CPU (the dev server's process) and this process's (worker, simulator, client).
  const serverPids = readdirSync('/proc').filter((pid) => {
    try {
      return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(world.server.store);
    } catch {
      return false;
    }
  });
  const serverCpu = () =>
    serverPids.reduce((sum, pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return sum + (Number(stat[11]) + Number(stat[12])) / 100;
      } catch {
        return sum;
      }
    }, 0);
  const serverBefore = serverCpu();
  const cpuBefore = process.cpuUsage();
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 500);
  try {
    const id = `bench-campaign-${Date.now()}`;
    const manifest = writeCsv(
      join(world.storeDir, campaignKey(id, 'manifest.csv')),
      Array.from({ length: rows }, (_, i) => ({ id: `r${i + 1}`, prompt: `bench campaign row ${i + 1}` })),
    );
    const started = Date.now();
    const job = await world.videos.startCampaign(
      {
        manifest: { uri: manifest },
        defaults: { model: 'wan-2-1', poll_interval: '500ms', ...(pollMode ? { poll_mode: pollMode } : {}) },
        concurrency,
        ...(rowRunner ? { row_runner: rowRunner } : {}),
      },
      { workflowId: id },
    );
    const result = await job.result();
    const seconds = (Date.now() - started) / 1000;
    const ideal = (rows * jobSeconds) / concurrency;
    const records = readJsonl(result.results.results_jsonl);
    const ids = new Set(records.map((r) => r.id));
    const figures = await runFigures(world.client, id);
    const serverSeconds = serverCpu() - serverBefore;
    const cpu = process.cpuUsage(cpuBefore);
    const ownSeconds = (cpu.user + cpu.system) / 1e6;
    const children: { events: number; tasks: number }[] = [];
    for await (const child of world.client.workflow.list({ query: "WorkflowType = 'GenerateVideo'" })) {
      const events = (await world.client.workflow.getHandle(child.workflowId).fetchHistory()).events ?? [];
      children.push({
        events: events.length,
        tasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
      });
      if (children.length >= 20) break;
    }
    let campaignEvents = 0;
    for (let runId: string | undefined; ;) {
      const events = (await world.client.workflow.getHandle(id, runId).fetchHistory()).events ?? [];
      campaignEvents += events.length;
      runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
      if (!runId) break;
    }
    const mean = (values: number[]) => (values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)).toFixed(1);
    const print = (what: string, value: string) => console.log(`campaign    ${what.padEnd(44)} ${value}`);
    print(
      'rows / concurrency / job seconds / runner / poll mode',
      `${rows} / ${concurrency} / ${jobSeconds} / ${rowRunner ?? 'workflow (default)'} / ${pollMode ?? 'activity (default)'}`,
    );
    print('status, succeeded', `${result.status}, ${result.succeeded}`);
    print('results rows (distinct ids)', `${records.length} (${ids.size})`);
    print(
      'time / ideal R x S / C',
      `${seconds.toFixed(1)} s / ${ideal.toFixed(1)} s (x${(seconds / ideal).toFixed(2)})`,
    );
    print('runs (continue-as-new)', String(figures.runs));
    print('history events, largest run', String(figures.maxEvents));
    print('largest payload in any run', `${(figures.maxPayloadBytes / 1024).toFixed(1)} KiB`);
    print('process peak RSS (worker, simulator, client)', `${(peakRss / 1024 / 1024).toFixed(0)} MB`);
    print('upstream submits', String(world.simulator.callsTo('submit').length));
    print('store', world.server.store === 'memory' ? 'dev server in memory' : 'dev server on a SQLite file (WAL)');
    print('server CPU (per row)', `${serverSeconds.toFixed(0)} s (${((1000 * serverSeconds) / rows).toFixed(1)} ms)`);
    print(
      'worker+simulator+client CPU (per row)',
      `${ownSeconds.toFixed(0)} s (${((1000 * ownSeconds) / rows).toFixed(1)} ms)`,
    );
    print(
      'child events / workflow tasks per row (20 sampled)',
      `${mean(children.map((c) => c.events))} / ${mean(children.map((c) => c.tasks))}`,
    );
    print('campaign history events per row (all runs)', (campaignEvents / rows).toFixed(1));
  } finally {
    clearInterval(sampler);
    await world.close();
  }
}

/** `key=value` as the dev server's flag wants it: true, false and numbers as themselves. */
function configValue(pair: string): Record<string, string | number | boolean> {
  const at = pair.indexOf('=');
  const raw = pair.slice(at + 1);
  const value =
    raw === 'true' || raw === 'false' || /^-?\d+(\.\d+)?$/.test(raw) ? (JSON.parse(raw) as number | boolean) : raw;
  return { [pair.slice(0, at)]: value };
}
