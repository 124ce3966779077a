/**
 * Campaign pages: the list (visibility), the new-campaign form with Check and Start, a campaign's
 * live page with its steering, its gallery pages, result downloads and its videos.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { checkManifest, type CampaignSettings, type ManifestCheck } from '../campaign/check';
import { ROW_ID } from '../campaign/input';
import { manifestFormat, readManifest, type ManifestFormat } from '../campaign/manifest';
import { campaignKey, hasResults, manifestKey } from '../campaign/results';
import { csvHeader, csvRecord } from '../campaign/results-csv';
import type { CampaignJob } from '../client';
import type { ConsoleContext } from './app';
import { serveStored } from './media';
import { isRowStatus, type GalleryFilter } from './results';
import { campaignState, campaignVideosQuery, listCampaigns, queryLink } from './temporal';
import { campaignPage, eta, galleryFragment } from './views/campaign';
import { campaignList, checkReport, newCampaignForm } from './views/campaigns';
import { h } from './views/html';

/** Tiles per gallery page: a few screens on a laptop, whatever the campaign's size. */
export const GALLERY_PAGE_SIZE = 24;

interface CampaignForm {
  problems: string[];
  manifest?: { bytes: Buffer; format: ManifestFormat };
  settings: CampaignSettings;
  id?: string;
}

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

/** The new-campaign form as a campaign's settings; what cannot be read is a problem, not an error. */
async function readForm(c: Context): Promise<CampaignForm> {
  const form = await c.req.parseBody();
  const problems: string[] = [];
  const json = (name: string, label: string) => {
    const value = text(form[name]);
    if (!value) return undefined;
    try {
      const parsed = JSON.parse(value);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      /* reported below */
    }
    problems.push(`${label}: expected a JSON object like {"key": "value"}`);
    return undefined;
  };
  const number = (name: string) => (text(form[name]) ? Number(text(form[name])) : undefined);
  const defaults: Record<string, unknown> = { ...json('defaults_json', 'Other defaults') };
  for (const field of ['model', 'resolution', 'aspect_ratio'])
    if (text(form[field])) defaults[field] = text(form[field]);
  if (number('duration_seconds') !== undefined) defaults.duration_seconds = number('duration_seconds');
  const fallbacks = text(form.fallback_models)
    .split(/[\s,|]+/)
    .filter(Boolean);
  if (fallbacks.length) defaults.fallback_models = fallbacks;
  const settings: CampaignSettings = {
    ...(Object.keys(defaults).length ? { defaults } : {}),
    ...(number('concurrency') !== undefined ? { concurrency: number('concurrency') } : {}),
    ...(number('max_credits') !== undefined ? { max_credits: number('max_credits') } : {}),
    ...(json('prices_json', 'Prices') ? { prices: json('prices_json', 'Prices') as Record<string, number> } : {}),
  };
  const file = form.manifest;
  let manifest: CampaignForm['manifest'];
  if (!(file instanceof File) || file.size === 0) problems.push('Manifest: choose a CSV or JSONL file');
  else {
    const format = manifestFormat(file.name);
    if (!format) problems.push(`Manifest: "${file.name}" is not .csv, .jsonl or .ndjson`);
    else manifest = { bytes: Buffer.from(await file.arrayBuffer()), format };
  }
  const id = text(form.id) || undefined;
  if (id && !ROW_ID.test(id)) problems.push('Campaign id: letters, digits, . _ - (at most 100)');
  return { problems, manifest, settings, id };
}

async function check(ctx: ConsoleContext, form: CampaignForm): Promise<ManifestCheck> {
  const empty = { rows: 0, valid: 0, problem_count: 0, problems: [], worst_case_credits: 0 };
  if (!form.manifest) return { ...empty, settings_problems: form.problems };
  const { bytes, format } = form.manifest;
  const checked = await checkManifest(
    readManifest(Readable.from([bytes]), format),
    format,
    form.settings,
    await ctx.catalog(),
  );
  return { ...checked, settings_problems: [...form.problems, ...checked.settings_problems] };
}

const failed = (c: ManifestCheck) => c.problem_count + c.settings_problems.length > 0;

const newId = () => `campaign-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;

export function addCampaignRoutes(app: Hono, ctx: ConsoleContext): void {
  const { videos, store, config } = ctx;
  const cid = (id: string) => `/campaigns/${encodeURIComponent(id)}`;
  const uploads = bodyLimit({
    maxSize: config.maxUploadBytes,
    onError: (c) =>
      c.text(
        `413 the upload is larger than ${Math.round(config.maxUploadBytes / 1024 / 1024)} MiB (VIDEO_CONSOLE_MAX_UPLOAD_BYTES): split the manifest into several campaigns`,
        413,
      ),
  });
  const models = async () => Object.keys(await ctx.catalog()).sort();
  /** A report as a fragment for the page's script, or as a page for a plain form post. */
  const report = async (c: Context, body: ReturnType<typeof checkReport>, status: 200 | 422) =>
    ctx.wantsFragment(c)
      ? c.html(body.text, status)
      : ctx.page(c, 'Check', h`${newCampaignForm(await models())}${body}`, 'new-campaign', status);

  app.get('/', async (c) => ctx.page(c, 'Campaigns', campaignList(await listCampaigns(videos)), 'campaigns'));
  app.get('/campaigns/new', async (c) => ctx.page(c, 'New campaign', newCampaignForm(await models()), 'new-campaign'));

  app.post('/campaigns/check', uploads, async (c) => {
    const form = await readForm(c);
    const checked = await check(ctx, form);
    return report(c, checkReport(checked, { maxCredits: form.settings.max_credits }), failed(checked) ? 422 : 200);
  });

  app.post('/campaigns', uploads, async (c) => {
    const form = await readForm(c);
    const checked = await check(ctx, form);
    if (failed(checked)) return report(c, checkReport(checked, { maxCredits: form.settings.max_credits }), 422);
    const id = form.id ?? newId();
    // Never overwrite another campaign's manifest: an id names one campaign.
    const exists = await videos
      .campaign(id)
      .handle.describe()
      .then(
        () => true,
        (error) => (error instanceof WorkflowNotFoundError ? false : Promise.reject(error)),
      );
    // Taken also when the namespace no longer keeps its workflow but its results are still stored.
    if (exists || (await hasResults(store, id))) {
      const taken = { ...checked, settings_problems: [`Campaign id: "${id}" is taken; choose another`] };
      return report(c, checkReport(taken, {}), 422);
    }
    const { bytes, format } = form.manifest!;
    // By content: two starts racing for one id never replace each other's manifest.
    const key = manifestKey(id, createHash('sha256').update(bytes).digest('hex'), format);
    const stored = await store.put(key, Readable.from([bytes]), {
      contentType: format === 'csv' ? 'text/csv' : 'application/x-ndjson',
    });
    await videos.startCampaign({ manifest: { uri: stored.uri, format }, ...form.settings }, { workflowId: id });
    console.log(`console: started campaign ${id} (${checked.rows} rows)`);
    if (ctx.wantsFragment(c)) return c.body(null, 200, { 'X-Location': cid(id) });
    return c.redirect(cid(id), 303);
  });

  const filterOf = (c: Context): GalleryFilter => {
    const status = c.req.query('status');
    const model = c.req.query('model');
    const page = Number(c.req.query('page') ?? 1);
    return {
      status: isRowStatus(status) ? status : undefined,
      model: model || undefined,
      page: Number.isInteger(page) && page > 0 ? page : 1,
      pageSize: GALLERY_PAGE_SIZE,
    };
  };
  const gallery = async (id: string, filter: GalleryFilter) =>
    galleryFragment(id, await ctx.results.page(id, filter), filter, ctx.link);

  app.get('/campaigns/:id', async (c) => {
    const id = c.req.param('id');
    const state = await campaignState(videos, id);
    const hasResults = (await ctx.results.latest(id)).length > 0;
    if (!state.found && !hasResults) return ctx.page(c, 'Not found', h`<h1>No campaign "${id}"</h1>`, 'none', 404);
    const links = {
      workflow: ctx.link(id),
      videos: queryLink(config.temporalUiUrl, videos.client.options.namespace, campaignVideosQuery(id)),
    };
    return ctx.page(c, id, campaignPage(id, state, links, await gallery(id, filterOf(c))), 'campaigns');
  });

  app.get('/campaigns/:id/progress.json', async (c) => {
    const state = await campaignState(videos, c.req.param('id'));
    return c.json({ ...state, eta: state.open ? eta(state.progress?.eta_ms) : '–' }, state.found ? 200 : 404);
  });

  app.get('/campaigns/:id/gallery', async (c) => c.html((await gallery(c.req.param('id'), filterOf(c))).text));

  const steer = (name: string, act: (job: CampaignJob) => Promise<unknown>, done: string) =>
    app.post(`/campaigns/:id/${name}`, async (c) => {
      const id = c.req.param('id');
      try {
        await act(videos.campaign(id));
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return c.text(`${name}: the campaign is not running`, 409);
        throw error;
      }
      console.log(`console: ${name} ${id}`);
      return ctx.wantsFragment(c) ? c.text(done) : c.redirect(cid(id), 303);
    });
  steer('pause', (job) => job.pause(), 'Paused: no new videos start; running ones finish.');
  steer('resume', (job) => job.resume(), 'Resumed.');
  steer('cancel', (job) => job.cancel('cancelled from the console'), 'Cancelling: running videos are cancelled.');
  steer('retry-failed', (job) => job.retryFailed(), 'Retrying the rows that failed.');

  /** Every attempt of every row so far, as results.jsonl or results.csv would hold them. */
  const download = (format: 'csv' | 'jsonl') =>
    app.get(`/campaigns/:id/results.${format}`, async (c) => {
      const id = c.req.param('id');
      const parts = await ctx.results.records(id);
      async function* lines() {
        if (format === 'csv') yield `${csvHeader()}\n`;
        for (const part of parts) {
          yield part.map((r) => `${format === 'csv' ? csvRecord(r) : JSON.stringify(r)}\n`).join('');
        }
      }
      const name = `${id.replace(/[^A-Za-z0-9._-]/g, '_')}-results.${format}`;
      return c.body(Readable.toWeb(Readable.from(lines())) as ReadableStream, 200, {
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
        'content-disposition': `attachment; filename="${name}"`,
      });
    });
  download('csv');
  download('jsonl');

  app.get('/campaigns/:id/rows/:i/:what{video|thumbnail}', async (c) => {
    const row = await ctx.results.row(c.req.param('id'), Number(c.req.param('i')));
    if (!row) return c.text('404 no such row', 404);
    return c.req.param('what') === 'video'
      ? serveStored(c, store, row.video_uri, row.bytes)
      : serveStored(c, store, row.thumbnail_uri);
  });
}
