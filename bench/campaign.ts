/**
 * `npm run bench -- campaign --rows R --concurrency C --job-seconds S`: a CSV campaign of R rows on a
 * dev server, the simulator and an in-process worker. Prints the time against the ideal R x S / C,
 * history events per run, the largest payload in any run, the worker's peak RSS, and checks that
 * every row is in the results manifest exactly once.
 */
import { Command } from 'commander';
import { join } from 'node:path';
import { startWorld } from '../test/helpers/world';
import { readJsonl, runFigures, writeCsv } from '../test/helpers/campaigns';
import { campaignKey } from '../src/campaign/results';

interface CampaignBenchOptions {
  rows: number;
  concurrency: number;
  jobSeconds: number;
}

export async function campaign(argv: string[]): Promise<void> {
  const options = new Command('campaign')
    .option('--rows <n>', 'rows in the manifest', (v) => Number(v), 10_000)
    .option('--concurrency <n>', 'videos at once', (v) => Number(v), 200)
    .option('--job-seconds <s>', 'how long each upstream job takes', (v) => Number(v), 2)
    .parse(argv, { from: 'user' })
    .opts<CampaignBenchOptions>();
  const { rows, concurrency, jobSeconds } = options;
  const world = await startWorld({
    simulator: { queuedMs: 0, processingMs: jobSeconds * 1000 },
    workerOptions: { maxCachedWorkflows: Math.max(2 * concurrency, 400) },
  });
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
        defaults: { model: 'wan-2-1', poll_interval: '500ms' },
        concurrency,
      },
      { workflowId: id },
    );
    const result = await job.result();
    const seconds = (Date.now() - started) / 1000;
    const ideal = (rows * jobSeconds) / concurrency;
    const records = readJsonl(result.results.results_jsonl);
    const ids = new Set(records.map((r) => r.id));
    const figures = await runFigures(world.client, id);
    const print = (what: string, value: string) => console.log(`campaign    ${what.padEnd(44)} ${value}`);
    print('rows / concurrency / job seconds', `${rows} / ${concurrency} / ${jobSeconds}`);
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
  } finally {
    clearInterval(sampler);
    await world.close();
  }
}
