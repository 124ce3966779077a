/**
 * VideoCampaign from a manifest in the store, on a real dev server: thousands of rows with bounded
 * history, results written once per row, a budget that holds in the worst case, retry of failed
 * rows, the command line, and the gallery in a real browser (Debian's chromium).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { campaignKey } from '../src/campaign/results';
import { readJsonl, runFigures, writeCsv } from './helpers/campaigns';
import { runCli } from './helpers/worker-process';
import { eventually, failureOf, startWorld, type World } from './helpers/world';

const CHROMIUM = '/usr/bin/chromium';

describe('VideoCampaign from a manifest (infrai)', () => {
  let world: World;
  before(async () => {
    world = await startWorld({
      dialect: 'infrai',
      simulator: { queuedMs: 0, processingMs: 300 },
      workerOptions: { maxCachedWorkflows: 600 },
    });
  });
  after(async () => {
    await world?.close();
  });

  const manifest = (id: string, rows: Record<string, unknown>[]) =>
    writeCsv(join(world.storeDir, campaignKey(id, 'manifest.csv')), rows);
  /** Upstream jobs made for rows whose prompts start so. */
  const submitsFor = (prefix: string) => [...world.simulator.jobs.values()].filter((j) => j.prompt.startsWith(prefix));
  const cli = (args: string[]) =>
    runCli(args, {
      TEMPORAL_ADDRESS: world.server.address,
      VIDEO_TASK_QUEUE: world.taskQueue,
      VIDEO_STORE: world.storeDir,
    });

  test('3,000 CSV rows: each exactly once in results.jsonl and results.csv; every run bounded', async () => {
    const id = `campaign-3000-${Date.now()}`;
    const rows = Array.from({ length: 3000 }, (_, i) => ({ id: `r${i + 1}`, prompt: `big campaign row ${i + 1}` }));
    const job = await world.videos.startCampaign(
      {
        manifest: { uri: manifest(id, rows) },
        defaults: { model: 'wan-2-1', poll_interval: '200ms' },
        concurrency: 200,
      },
      { workflowId: id },
    );
    const result = await job.result();
    assert.equal(result.status, 'completed');
    assert.equal(result.succeeded, 3000);
    assert.equal(result.videos, undefined, 'a large campaign lists its rows in the store, not in the result');
    const records = readJsonl(result.results.results_jsonl);
    assert.equal(records.length, 3000);
    assert.deepEqual(records.map((r) => r.id).sort(), rows.map((r) => r.id).sort(), 'every row exactly once');
    assert.ok(records.every((r) => r.status === 'succeeded' && r.video_uri && r.sha256 && r.job_id));
    const csv = readFileSync(fileURLToPath(result.results.results_csv), 'utf8').trim().split('\n');
    assert.equal(csv.length, 3001, 'a header and one line per row');
    assert.equal(submitsFor('big campaign row').length, 3000, 'one upstream job per row');
    const figures = await runFigures(world.client, id);
    assert.ok(figures.runs >= 3, `continued as new: ${figures.runs} runs`);
    assert.ok(figures.maxEvents <= 10_240, `largest run: ${figures.maxEvents} events`);
    assert.ok(figures.maxPayloadBytes <= 256 * 1024, `largest payload: ${figures.maxPayloadBytes} bytes`);
  });

  test('an invalid manifest fails with InvalidInput naming its lines, before any submit', async () => {
    const id = `campaign-invalid-${Date.now()}`;
    const uri = manifest(id, [
      { id: 'ok', prompt: 'invalid manifest fine', duration_seconds: 4 },
      { id: 'bad', prompt: 'invalid manifest bad', duration_seconds: -1 },
      { id: 'ok', prompt: 'invalid manifest again', duration_seconds: 4 },
      { id: 'empty', prompt: '', duration_seconds: 4 },
    ]);
    const job = await world.videos.startCampaign({ manifest: { uri } }, { workflowId: id });
    const failure = await failureOf(job.result());
    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /line 3 \(id bad\): duration_seconds/);
    assert.match(failure.message, /line 4: duplicate id "ok"/);
    assert.match(failure.message, /line 5 \(id empty\): prompt/);
    assert.equal(submitsFor('invalid manifest').length, 0);
    assert.ok(!existsSync(join(world.storeDir, campaignKey(id, 'rows.jsonl'))), 'nothing kept');
  });

  test('the budget holds when every row fails over to the most expensive model', async () => {
    // wan-2-1 (40 credits) is accepted, then fails: paid; veo-3-1 (180) then makes the video.
    world.simulator.addFault({ route: 'submit', model: 'wan-2-1', failJob: 'GPU fell over', times: 100 });
    try {
      const rows = Array.from({ length: 6 }, (_, i) => ({ id: `b${i}`, prompt: `worst case row ${i}` }));
      const job = await world.videos.startCampaign({
        videos: rows,
        defaults: { model: 'wan-2-1', fallback_models: ['veo-3-1'], poll_interval: '200ms' },
        concurrency: 3,
        max_credits: 500,
      });
      const result = await job.result();
      const paid = submitsFor('worst case row').map((c) => (c.model === 'veo-3-1' ? 180 : 40));
      const spent = paid.reduce((a, b) => a + b, 0);
      assert.ok(spent <= 500, `upstream spend ${spent} within max_credits 500`);
      assert.ok(result.credits_spent <= 500, `recorded spend ${result.credits_spent}`);
      assert.equal(result.status, 'budget_exhausted');
      assert.equal(result.succeeded, 2, 'two worst cases (220 each) fit in 500, a third does not');
      assert.equal(result.skipped_budget, 4);
      assert.ok(result.videos!.filter((v) => v.status === 'succeeded').every((v) => v.model === 'veo-3-1'));
    } finally {
      world.simulator.faults.clear();
    }
  });

  test('an unpriced model is refused in a budgeted campaign, and runs once given a price', async () => {
    const input = {
      videos: [{ id: 'g', prompt: 'unpriced grok row' }],
      defaults: { model: 'grok-video', poll_interval: '200ms' },
      max_credits: 100,
    };
    const refused = await failureOf((await world.videos.startCampaign(input)).result());
    assert.equal(refused.type, 'InvalidInput');
    assert.match(refused.message, /grok-video has no price/);
    assert.equal(submitsFor('unpriced grok row').length, 0);
    const priced = await (await world.videos.startCampaign({ ...input, prices: { 'grok-video': 50 } })).result();
    assert.equal(priced.succeeded, 1);
    assert.equal(priced.credits_spent, 50);
  });

  test('retry-failed (command line) re-runs retryable failures with fresh ids; results keep every attempt', async () => {
    const id = `campaign-retry-${Date.now()}`;
    world.simulator.addFault({ route: 'submit', model: 'veo-3-1', failJob: 'transient upstream error', times: 2 });
    const uri = manifest(id, [
      { id: 'ok1', prompt: 'retry row ok1', model: 'wan-2-1' },
      { id: 'bad1', prompt: 'retry row bad1', model: 'veo-3-1' },
      { id: 'ok2', prompt: 'retry row ok2', model: 'wan-2-1' },
      { id: 'bad2', prompt: 'retry row bad2', model: 'veo-3-1' },
    ]);
    const job = await world.videos.startCampaign(
      { manifest: { uri }, defaults: { poll_interval: '200ms' }, concurrency: 2 },
      { workflowId: id },
    );
    const first = await job.result();
    assert.equal(first.failed, 2);
    const retried = await cli(['campaign', 'retry-failed', '--id', id]);
    assert.equal(retried.code, 0, retried.stderr);
    const second = await eventually(async () => {
      const { status } = await job.handle.describe();
      return status.name === 'COMPLETED' ? world.videos.campaign(id).result() : undefined;
    }, 60_000);
    assert.equal(second.succeeded, 4);
    assert.equal(second.failed, 0);
    const records = readJsonl(second.results.results_jsonl);
    assert.equal(records.length, 6, 'four first attempts and two retries');
    const retries = records.filter((r) => r.attempt === 2);
    assert.deepEqual(retries.map((r) => r.id).sort(), ['bad1', 'bad2']);
    for (const r of retries) assert.equal(r.workflow_id, `${id}/${r.id}/attempt-2`);
  });

  test('command line: campaign --file, pause, resume, status, cancel', async () => {
    const id = `campaign-cli-${Date.now()}`;
    world.simulator.configure({ queuedMs: 0, processingMs: 60_000 });
    try {
      const file = writeCsv(
        join(world.storeDir, 'upload', 'rows.csv'),
        Array.from({ length: 6 }, (_, i) => ({ id: `c${i}`, prompt: `cli campaign row ${i}`, model: 'wan-2-1' })),
      );
      const started = await cli(['campaign', '--file', file, '--concurrency', '2', '--id', id, '--no-wait']);
      assert.equal(started.code, 0, started.stderr);
      assert.equal(started.stdout.trim(), id);
      const campaign = world.videos.campaign(id);
      await eventually(async () => (await campaign.progress()).running === 2, 30_000, 'two running');
      assert.equal((await cli(['campaign', 'pause', '--id', id])).code, 0);
      await eventually(async () => (await campaign.progress()).status === 'paused', 10_000, 'paused');
      assert.equal((await cli(['campaign', 'resume', '--id', id])).code, 0);
      await eventually(async () => (await campaign.progress()).status === 'running', 10_000, 'running again');
      const status = await cli(['campaign', 'status', '--id', id]);
      assert.equal(status.code, 0, status.stderr);
      assert.equal(JSON.parse(status.stdout).total, 6);
      assert.equal((await cli(['campaign', 'cancel', '--id', id])).code, 0);
      const result = await campaign.result();
      assert.equal(result.status, 'cancelled');
      assert.equal(result.cancelled, 2);
      assert.equal(result.skipped, 4, 'rows never started are in the results as skipped');
      assert.equal(readJsonl(result.results.results_jsonl).length, 6);
      const missing = await cli(['campaign', 'pause', '--id', 'no-such-campaign']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no campaign with id "no-such-campaign"/);
    } finally {
      world.simulator.configure({ queuedMs: 0, processingMs: 300 });
    }
  });

  test('command line: a reused --id with other rows is refused, and no manifest is overwritten', async () => {
    const id = `campaign-reuse-${Date.now()}`;
    const upload = (name: string, prompt: string) =>
      writeCsv(join(world.storeDir, 'upload', name), [{ id: 'only', prompt, model: 'wan-2-1' }]);
    const first = upload('first.csv', 'reused id row, first file');
    const second = upload('second.csv', 'reused id row, second file');
    const started = await cli(['campaign', '--file', first, '--id', id, '--no-wait']);
    assert.equal(started.code, 0, started.stderr);
    const again = await cli(['campaign', '--file', first, '--id', id, '--no-wait']);
    assert.equal(again.code, 0, `the same rows again name the same campaign: ${again.stderr}`);
    const reused = await cli(['campaign', '--file', second, '--id', id, '--no-wait']);
    assert.equal(reused.code, 1);
    assert.match(reused.stderr, /already exists with other rows/);
    const result = await world.videos.campaign(id).result();
    assert.equal(
      result.videos![0].prompt,
      'reused id row, first file',
      'the campaign ran the rows it was started with',
    );
    const input = (await world.videos.campaign(id).handle.fetchHistory()).events![0]
      .workflowExecutionStartedEventAttributes!.input!.payloads![0].data!;
    const manifest = JSON.parse(Buffer.from(input).toString('utf8')).manifest.uri as string;
    assert.match(readFileSync(fileURLToPath(manifest), 'utf8'), /first file/, 'its manifest is still the first file');
  });

  test('the gallery renders in headless Chromium: one tile per row, a video plays', async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is installed (apt-get install chromium; .ci/run does it)`);
    world.simulator.addFault({ route: 'submit', model: 'veo-3-1', failJob: 'content policy violation', times: 1 });
    const job = await world.videos.startCampaign({
      videos: [
        { id: 'g1', prompt: 'gallery row one', model: 'wan-2-1' },
        { id: 'g2', prompt: 'gallery row two', model: 'veo-3-1' },
        { id: 'g3', prompt: 'gallery row three', model: 'wan-2-1' },
      ],
      defaults: { poll_interval: '200ms' },
      concurrency: 3,
    });
    const result = await job.result();
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(pathToUrl(result.results.gallery));
      assert.equal(await page.locator('figure.tile').count(), 3, 'one tile per row');
      assert.equal(await page.locator('figure.tile[data-status="failed"] .failure').count(), 1);
      assert.match(await page.locator('.totals').innerText(), /succeeded: 2/);
      const video = page.locator('figure.tile[data-id="g1"] video');
      await video.click();
      await page.waitForFunction(
        // Runs in the page: `document` is the browser's.
        () => {
          const v = (globalThis as any).document.querySelector('figure.tile[data-id="g1"] video');
          return !!v && v.currentTime > 0 && !v.error;
        },
        undefined,
        { timeout: 15_000 },
      );
    } finally {
      await browser.close();
    }
  });
});

const pathToUrl = (uri: string) => (uri.startsWith('file:') ? uri : `file://${uri}`);
