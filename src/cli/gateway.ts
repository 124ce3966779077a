/** Look at the gateway itself (VIDEO_API_*): its catalog, and infrai's own job management. */
import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { BUILTIN_CATALOG, mergeCatalog, modelSpec } from '../catalog';
import { loadWorkerConfig } from '../config';
import { createGateway, InfraiGateway, type VideoGateway } from '../gateway';
import { output } from './output';

/** The gateway named by VIDEO_API_BASE_URL / VIDEO_API_KEY / VIDEO_API_DIALECT (never the simulator). */
function configuredGateway(): VideoGateway {
  const config = loadWorkerConfig();
  if (!config.VIDEO_API_BASE_URL) throw new Error('set VIDEO_API_BASE_URL and VIDEO_API_KEY to reach a gateway');
  return createGateway(config.VIDEO_API_DIALECT, { baseUrl: config.VIDEO_API_BASE_URL, apiKey: config.VIDEO_API_KEY! });
}

function infraiGateway(): InfraiGateway {
  const gateway = configuredGateway();
  if (!(gateway instanceof InfraiGateway)) {
    throw new Error('gateway jobs needs the infrai dialect (VIDEO_API_DIALECT=infrai): infery has no job management');
  }
  return gateway;
}

export function addGatewayCommands(program: Command): void {
  program
    .command('catalog')
    .description('models, limits and prices: the live gateway catalog over the built-in one')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const catalog = mergeCatalog(await configuredGateway().listModels());
      output(options.json, catalog, (c) =>
        Object.values(c).map(
          (m) =>
            `${m.id.padEnd(14)} ${m.vendor.padEnd(8)} up to ${m.max_duration_seconds} s  ${m.resolutions.join('/')}` +
            `  ${m.aspect_ratios.join(' ')}  ${m.credits_per_4s_720p ?? '?'} credits/4s 720p` +
            `${modelSpec(BUILTIN_CATALOG, m.id) ? '' : '  (live only)'}${m.auto_fallback ? '' : '  (never automatic)'}`,
        ),
      );
    });

  const jobs = program
    .command('gateway')
    .description("the gateway's own job management (infrai)")
    .command('jobs')
    .description('list, inspect and delete jobs on the gateway');
  jobs
    .command('list')
    .option('--limit <n>', 'at most this many', (v) => Number(v), 50)
    .option('--json', 'print JSON')
    .action(async (options: { limit: number; json?: boolean }) => {
      const items = [];
      for await (const job of infraiGateway().list({ limit: Math.min(100, options.limit) })) {
        items.push(job);
        if (items.length >= options.limit) break;
      }
      output(options.json, items, (list) => list.map((j) => `${j.job_id}  ${j.upstream_status}  ${j.video_url ?? ''}`));
    });
  jobs
    .command('get <jobId>')
    .option('--json', 'print JSON')
    .action(async (jobId: string, options: { json?: boolean }) =>
      output(options.json, await infraiGateway().get(jobId), (j) => [JSON.stringify(j, null, 2)]),
    );
  jobs.command('delete <jobId>').action(async (jobId: string) => {
    await infraiGateway().delete(jobId);
    console.log(`deleted ${jobId}`);
  });
  jobs
    .command('delete-all')
    .description('delete every job on the account (asks first)')
    .option('--yes', 'do not ask')
    .action(async (options: { yes?: boolean }) => {
      if (!options.yes) {
        if (!process.stdin.isTTY) throw new Error('delete-all deletes every job on the account: pass --yes to confirm');
        const prompt = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await prompt.question('Delete every job on the gateway account? Type "delete all": ');
        prompt.close();
        if (answer.trim() !== 'delete all') throw new Error('not confirmed; nothing deleted');
      }
      console.log(`deleted ${await infraiGateway().deleteAll()} jobs`);
    });
  jobs
    .command('download-url <jobId>')
    .option('--json', 'print JSON')
    .action(async (jobId: string, options: { json?: boolean }) =>
      output(options.json, await infraiGateway().downloadUrl(jobId), (d) => [d.url]),
    );
  jobs
    .command('retention <jobId> <days>')
    .description('keep the job on the gateway for 1-90 days')
    .action(async (jobId: string, days: string) => {
      const kept = await infraiGateway().setRetention(jobId, Number(days));
      console.log(
        `kept ${kept.job_id} for ${kept.retention_days} days${kept.expires_at ? `, until ${kept.expires_at}` : ''}`,
      );
    });
}
