/**
 * The campaign console in a real browser (Debian's chromium, driven by playwright-core) against a
 * real dev server, the gateway simulator over HTTP and a real worker: check a manifest (refused by
 * line, nothing started), start, pause, resume, retry, cancel, the gallery and its downloads, one
 * video with Cancel and Fall back, the token on every request, and a 10,000-row gallery paged.
 * Pages are found by their accessible names, which are part of the contract.
 */
import assert from 'node:assert/strict';
import { WorkflowNotFoundError } from '@temporalio/client';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { BUILTIN_CATALOG } from '../src/catalog';
import { Budget, costedRequest } from '../src/workflows/budget';
import { campaignKey, type CampaignResultRow } from '../src/campaign/results';
import { csvLine } from '../src/campaign/results-csv';
import { sessionValue, SESSION_COOKIE } from '../src/console/auth';
import { startConsole, type RunningConsole } from '../src/console';
import { FolderStore } from '../src/store';
import { readJsonl } from './helpers/campaigns';
import { kill, runCli } from './helpers/worker-process';
import { eventually, startWorld, type World } from './helpers/world';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TOKEN = 'console-test-token-0123456789abcdef';
const SCREENSHOT = join(__dirname, '..', 'docs', 'console.png');

const csv = (rows: string[][]) => Buffer.from(rows.map((r) => csvLine(r)).join('\n') + '\n');

describe('campaign console', () => {
  let world: World;
  let console_: RunningConsole;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is installed (apt-get install chromium; .ci/run does it)`);
    world = await startWorld({ dialect: 'infrai', simulator: { queuedMs: 0, processingMs: 400 } });
    console_ = await startConsole({
      videos: world.videos,
      store: new FolderStore(world.storeDir),
      config: {
        host: '127.0.0.1',
        port: 0,
        token: TOKEN,
        maxUploadBytes: 1024 * 1024,
        temporalUiUrl: 'http://localhost:8233',
      },
      catalog: async () => BUILTIN_CATALOG,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await console_?.close();
    await world?.close();
  });

  const url = (path: string) => `${console_.url}${path}`;
  const submitsFor = (prefix: string) => [...world.simulator.jobs.values()].filter((j) => j.prompt.startsWith(prefix));
  const notStarted = async (id: string) =>
    world.videos
      .campaign(id)
      .handle.describe()
      .then(
        () => false,
        (error) => error instanceof WorkflowNotFoundError,
      );
  const multipart = (id: string, file: Buffer) => {
    const form = new FormData();
    form.set('manifest', new Blob([file], { type: 'text/csv' }), 'rows.csv');
    form.set('id', id);
    form.set('concurrency', '2');
    return form;
  };
  const badge = () => page.locator('.heading .badge');

  test('a request without the token gets 401 and starts nothing; cross-site changes are refused', async () => {
    const manifest = csv([
      ['id', 'prompt', 'model'],
      ['u1', 'unauthenticated row', 'wan-2-1'],
    ]);
    const home = await fetch(url('/'), { headers: { accept: 'text/html' } });
    assert.equal(home.status, 401);
    assert.match(await home.text(), /Sign in/);
    const anonymous = await fetch(url('/campaigns'), { method: 'POST', body: multipart('console-unauth', manifest) });
    assert.equal(anonymous.status, 401);
    const wrong = await fetch(url('/campaigns'), {
      method: 'POST',
      body: multipart('console-unauth', manifest),
      headers: { authorization: 'Bearer not-the-token' },
    });
    assert.equal(wrong.status, 401);
    assert.equal((await fetch(url('/campaigns/console-unauth/pause'), { method: 'POST' })).status, 401);
    assert.equal(
      (await fetch(url('/videos'), { method: 'POST', body: new URLSearchParams({ prompt: 'x' }) })).status,
      401,
    );
    // A signed-in browser's cookie, sent by another site's form: refused.
    const crossSite = await fetch(url('/campaigns'), {
      method: 'POST',
      body: multipart('console-unauth', manifest),
      headers: {
        cookie: `${SESSION_COOKIE}=${sessionValue(TOKEN)}`,
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
    });
    assert.equal(crossSite.status, 403);
    // Another name for 127.0.0.1 (DNS rebinding) is refused before anything else.
    const rebound = await new Promise<number | undefined>((resolve, reject) =>
      request(url('/'), { headers: { host: 'evil.example', authorization: `Bearer ${TOKEN}` } }, (response) => {
        response.resume();
        resolve(response.statusCode);
      })
        .on('error', reject)
        .end(),
    );
    assert.equal(rebound, 421);
    assert.ok(await notStarted('console-unauth'), 'no campaign started');
    assert.ok(!existsSync(join(world.storeDir, campaignKey('console-unauth', ''))), 'nothing stored');
    assert.equal(submitsFor('unauthenticated row').length, 0);
    // With the token as a Bearer header: in, and an oversized upload is a clear 413.
    const bearer = { authorization: `Bearer ${TOKEN}` };
    assert.equal((await fetch(url('/'), { headers: bearer })).status, 200);
    const big = await fetch(url('/campaigns/check'), {
      method: 'POST',
      body: multipart('console-big', Buffer.alloc(2 * 1024 * 1024, 'a')),
      headers: bearer,
    });
    assert.equal(big.status, 413);
    assert.match(await big.text(), /larger than 1 MiB/);
  });

  test('the console command: configured by environment, refuses to serve beyond loopback without a token', async () => {
    const refused = await runCli(['console'], {
      VIDEO_CONSOLE_ADDRESS: '0.0.0.0:0',
      TEMPORAL_ADDRESS: world.server.address,
    });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /VIDEO_CONSOLE_TOKEN is required to serve the console on 0\.0\.0\.0/);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'console'], {
      cwd: join(__dirname, '..'),
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: world.server.address,
        TEMPORAL_NAMESPACE: 'default',
        VIDEO_STORE: world.storeDir,
        VIDEO_TASK_QUEUE: world.taskQueue,
        VIDEO_CONSOLE_ADDRESS: '127.0.0.1:0',
        VIDEO_CONSOLE_TOKEN: TOKEN,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    try {
      const address = await eventually(() => /console at (http:\S+)/.exec(output)?.[1], 60_000, 'the console up');
      assert.equal((await fetch(address, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
      assert.equal((await fetch(address)).status, 401);
      assert.ok(!output.includes(TOKEN), 'the token is never logged');
    } finally {
      await kill(child);
    }
  });

  test('sign in; a manifest with invalid rows is refused by line and nothing starts', async () => {
    const first = await page.goto(url('/campaigns/new'));
    assert.equal(first?.status(), 401);
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(url('/campaigns/new'));
    const bad = csv([
      ['id', 'prompt', 'duration_seconds'],
      ['ok', 'console bad fine', '4'],
      ['bad', 'console bad duration', '-1'],
      ['ok', 'console bad again', '4'],
      ['empty', '', '4'],
    ]);
    await page.getByLabel('Manifest').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: bad });
    await page.getByLabel('Campaign id').fill('console-bad');
    await page.getByRole('button', { name: 'Check' }).click();
    const report = page.getByRole('alert');
    await report.waitFor();
    const text = await report.innerText();
    assert.match(text, /3 problems: nothing was started/);
    assert.match(text, /line 3 \(id bad\): duration_seconds/);
    assert.match(text, /line 4: duplicate id "ok"/);
    assert.match(text, /line 5 \(id empty\): prompt/);
    // Start refuses the same manifest the same way.
    await page.getByRole('button', { name: 'Start campaign' }).click();
    await page.getByRole('alert').filter({ hasText: 'line 3 (id bad)' }).waitFor();
    assert.ok(await notStarted('console-bad'), 'no campaign started');
    assert.equal(submitsFor('console bad').length, 0);
  });

  test('campaign check on the command line: the same problems by line, or the rows and the worst case', async () => {
    const dir = join(world.storeDir, 'upload');
    mkdirSync(dir, { recursive: true });
    const bad = join(dir, 'bad.csv');
    writeFileSync(
      bad,
      csv([
        ['id', 'prompt'],
        ['a', 'cli check'],
        ['a', 'cli check again'],
        ['b', ''],
      ]),
    );
    const refused = await runCli(['campaign', 'check', '--file', bad], {});
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stdout, /2 problem\(s\), 3 rows read/);
    assert.match(refused.stdout, /line 3: duplicate id "a"/);
    assert.match(refused.stdout, /line 4 \(id b\): prompt/);
    const good = join(dir, 'good.csv');
    writeFileSync(
      good,
      csv([
        ['prompt', 'model'],
        ['one', 'wan-2-1'],
        ['two', 'veo-3-1'],
      ]),
    );
    const accepted = await runCli(['campaign', 'check', '--file', good, '--max-credits', '500'], {});
    assert.equal(accepted.code, 0, accepted.stderr);
    const worst = ['wan-2-1', 'veo-3-1'].reduce(
      (sum, model) => sum + Budget.worstCase(BUILTIN_CATALOG, costedRequest({ prompt: 'x', model })).credits,
      0,
    );
    assert.match(accepted.stdout, new RegExp(`2 rows, all valid; worst case ${worst} credits`));
  });

  test('check, start, pause, resume; progress reaches 100, one tile per row, a video plays, results download', async () => {
    world.simulator.configure({ queuedMs: 0, processingMs: 2500 });
    world.simulator.addFault({ route: 'submit', model: 'veo-3-1', failJob: 'transient upstream error', times: 1 });
    const rows = [
      ['id', 'prompt', 'model'],
      ['kite', 'console good: a red kite over the sea, golden hour', 'wan-2-1'],
      ['boat', 'console good: a paper boat in the rain', 'veo-3-1'],
      ['fox', 'console good: a fox in fresh snow at dawn', 'wan-2-1'],
      ['city', 'console good: a neon city street after rain', 'wan-2-1'],
    ];
    const expectedWorst = rows
      .slice(1)
      .reduce(
        (sum, [, prompt, model]) => sum + Budget.worstCase(BUILTIN_CATALOG, costedRequest({ prompt, model })).credits,
        0,
      );
    await page.goto(url('/campaigns/new'));
    await page.getByLabel('Manifest').setInputFiles({ name: 'rows.csv', mimeType: 'text/csv', buffer: csv(rows) });
    await page.locator('summary').click();
    await page.getByLabel('Other defaults (JSON)').fill('{"poll_interval": "200ms"}');
    await page.getByLabel('Concurrency').fill('1');
    await page.getByLabel('Max credits').fill('2000');
    await page.getByLabel('Campaign id').fill('console-good');
    await page.getByRole('button', { name: 'Check' }).click();
    const ready = page.locator('#check-report section');
    await ready.waitFor();
    assert.equal(await ready.getAttribute('role'), 'status', await ready.innerText());
    assert.match(await ready.innerText(), /Ready: 4 valid rows/);
    assert.equal(await ready.locator('.worst-case').innerText(), `${expectedWorst.toLocaleString('en-US')} credits`);
    assert.ok(await notStarted('console-good'), 'Check starts nothing');
    mkdirSync(join(__dirname, '..', 'docs'), { recursive: true });
    await page.screenshot({ path: join(__dirname, '..', 'docs', 'console-check.png') });

    await page.getByRole('button', { name: 'Start campaign' }).click();
    await page.waitForURL(url('/campaigns/console-good'));
    await page.getByRole('button', { name: 'Pause' }).click(); // enabled once the campaign runs
    await eventually(async () => (await badge().innerText()) === 'paused', 30_000, 'paused on the page');
    assert.equal((await world.videos.campaign('console-good').progress()).status, 'paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await eventually(async () => (await badge().innerText()) !== 'paused', 30_000, 'resumed on the page');

    const progress = page.getByRole('progressbar', { name: 'Campaign progress' });
    await eventually(async () => (await progress.getAttribute('aria-valuenow')) === '100', 120_000, 'progress 100');
    await eventually(async () => (await badge().innerText()) === 'completed', 30_000, 'completed');
    const tiles = page.getByRole('list', { name: 'Gallery' }).getByRole('listitem');
    await eventually(async () => (await tiles.count()) === 4, 30_000, 'one tile per row');
    const failed = tiles.filter({ has: page.locator('.failure-type') });
    assert.equal(await failed.count(), 1);
    const record = (await world.videos.campaign('console-good').result()).videos!.find((v) => v.id === 'boat')!;
    assert.equal(record.status, 'failed');
    assert.equal(await failed.locator('.failure-type').innerText(), record.failure_type);
    assert.equal(await tiles.locator('video').count(), 3, 'a <video> in each mirrored tile');

    const video = tiles.filter({ hasText: 'red kite' }).locator('video');
    await video.click();
    await page.waitForFunction(
      // Runs in the page: `document` is the browser's.
      () => {
        const v = (globalThis as any).document.querySelector('li[data-id="kite"] video');
        return !!v && v.currentTime > 0 && !v.error;
      },
      undefined,
      { timeout: 30_000 },
    );
    await video.evaluate((v: any) => v.pause());
    await page.screenshot({ path: SCREENSHOT });

    const download = page.waitForEvent('download');
    await page
      .getByRole('link', { name: /^Download results/ })
      .first()
      .click();
    const csvText = readFileSync((await (await download).path())!, 'utf8')
      .trim()
      .split('\n');
    assert.equal(csvText.length, 5, 'a header and one line per row');
    assert.match(csvText[0], /^id,i,line,attempt,status/);

    // Filters: by status (and back to all).
    await page.getByLabel('Status').selectOption('failed');
    await page.waitForURL(url('/campaigns/console-good?status=failed'));
    await eventually(async () => (await tiles.count()) === 1, 30_000, 'only the failed tile');
    assert.equal(await tiles.first().getAttribute('data-id'), 'boat');
    await page.getByLabel('Status').selectOption('');
    await page.waitForURL(url('/campaigns/console-good'));

    // Retry failed: the finished campaign starts again under its id and the failed row succeeds.
    await page.getByRole('button', { name: 'Retry failed' }).click();
    await eventually(
      async () => (await page.locator('li[data-id="boat"]').getAttribute('data-status')) === 'succeeded',
      120_000,
      'the retried row succeeded on the page',
    );
    await eventually(async () => (await badge().innerText()) === 'completed', 30_000, 'completed again');

    // The campaigns list (visibility) shows it.
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await eventually(
      async () => {
        await page.reload();
        return (await page.getByRole('link', { name: 'console-good' }).count()) === 1; // one line for both runs
      },
      30_000,
      'listed',
    );
  });

  test('Cancel campaign stops a running campaign from the page', async () => {
    world.simulator.configure({ queuedMs: 0, processingMs: 60_000 });
    try {
      const rows = [['id', 'prompt', 'model'], ...['a', 'b', 'c'].map((id) => [id, `console cancel ${id}`, 'wan-2-1'])];
      await page.goto(url('/campaigns/new'));
      await page.getByLabel('Manifest').setInputFiles({ name: 'rows.csv', mimeType: 'text/csv', buffer: csv(rows) });
      await page.getByLabel('Concurrency').fill('1');
      await page.getByLabel('Campaign id').fill('console-cancel');
      await page.getByRole('button', { name: 'Start campaign' }).click();
      await page.waitForURL(url('/campaigns/console-cancel'));
      await eventually(async () => submitsFor('console cancel').length === 1, 30_000, 'first row submitted');
      await page.getByRole('button', { name: 'Cancel campaign' }).click();
      await eventually(async () => (await badge().innerText()) === 'cancelled', 60_000, 'cancelled on the page');
      const result = await world.videos.campaign('console-cancel').result();
      assert.equal(result.status, 'cancelled');
      assert.equal(result.cancelled + result.skipped, 3);
      assert.equal(submitsFor('console cancel').length, 1, 'no row started after the cancel');
    } finally {
      world.simulator.configure({ queuedMs: 0, processingMs: 400 });
    }
  });

  test('a single video: live progress to the video; Fall back and Cancel on another', async () => {
    await page.goto(url('/videos/new'));
    await page.getByLabel('Prompt').fill('console single: a lighthouse at dusk');
    await page.getByLabel('Model').selectOption('wan-2-1');
    await page.locator('summary').click();
    await page.getByLabel('Other fields (JSON)').fill('{"poll_interval": "200ms"}');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.waitForURL(/\/videos\/video-/);
    const progress = page.getByRole('progressbar', { name: 'Video progress' });
    await eventually(async () => (await progress.getAttribute('aria-valuenow')) === '100', 60_000, 'video at 100');
    await page.locator('.player video').waitFor();
    await eventually(async () => (await badge().innerText()) === 'succeeded', 30_000, 'succeeded');

    world.simulator.configure({ queuedMs: 0, processingMs: 60_000 });
    try {
      await page.goto(url('/videos/new'));
      await page.getByLabel('Prompt').fill('console steer: a slow train through hills');
      await page.getByLabel('Model').selectOption('wan-2-1');
      await page.locator('summary').click();
      await page.getByLabel('Other fields (JSON)').fill('{"poll_interval": "200ms"}');
      await page.getByRole('button', { name: 'Generate' }).click();
      await page.waitForURL(/\/videos\/video-/);
      await eventually(async () => submitsFor('console steer').length === 1, 30_000, 'submitted');
      await page.getByRole('combobox', { name: 'to' }).selectOption('veo-3-1-fast');
      await page.getByRole('button', { name: 'Fall back' }).click();
      await page.getByRole('status').filter({ hasText: 'Falling back to veo-3-1-fast' }).waitFor();
      await eventually(async () => submitsFor('console steer').length === 2, 30_000, 'resubmitted on the new model');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await eventually(async () => (await badge().innerText()) === 'cancelled', 60_000, 'cancelled');
    } finally {
      world.simulator.configure({ queuedMs: 0, processingMs: 400 });
    }
  });

  test('the gallery of a 10,000-row campaign is paged: one page of tiles, a small page weight', async () => {
    // Results as a campaign of 10,000 rows leaves them in the store (20 parts of 500), each row
    // pointing at a video mirrored by the campaign above.
    const sample = readJsonl(
      pathToFileURL(join(world.storeDir, campaignKey('console-good', 'results.jsonl'))).href,
    ).find((r) => r.status === 'succeeded')!;
    const id = 'console-10k';
    for (let part = 0; part < 20; part++) {
      const records: CampaignResultRow[] = Array.from({ length: 500 }, (_, k) => {
        const i = part * 500 + k;
        return { ...sample, id: `r${i + 1}`, i, line: i + 2, prompt: `row ${i + 1}: ${'a long prompt '.repeat(15)}` };
      });
      const file = join(world.storeDir, campaignKey(id, `results/parts/0-${String(part).padStart(7, '0')}.jsonl`));
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    }
    const weights: { url: string; bytes: number }[] = [];
    const count = (response: import('playwright-core').Response) =>
      response.body().then(
        (body) => void weights.push({ url: response.url(), bytes: body.length }),
        () => undefined, // a redirect or an aborted media request has no body
      );
    const pending: Promise<void>[] = [];
    const listener = (response: import('playwright-core').Response) => void pending.push(count(response));
    page.on('response', listener);
    await page.goto(url(`/campaigns/${id}`), { waitUntil: 'networkidle' });
    page.off('response', listener);
    await Promise.all(pending);
    const tiles = page.getByRole('list', { name: 'Gallery' }).getByRole('listitem');
    assert.equal(await tiles.count(), 24, 'one page of tiles');
    assert.match(await page.locator('.pager').innerText(), /Page 1 of 417/);
    const total = weights.reduce((sum, w) => sum + w.bytes, 0);
    const html = weights.filter((w) => !/\/(assets|rows)\//.test(w.url)).reduce((sum, w) => sum + w.bytes, 0);
    console.log(
      `gallery page of a 10,000-row campaign: ${(total / 1024).toFixed(1)} KiB in ${weights.length} responses (HTML ${(html / 1024).toFixed(1)} KiB)`,
    );
    assert.ok(total < 512 * 1024, `page weight ${total} bytes`);
    await page.getByRole('link', { name: 'Next' }).click();
    await page.waitForURL(url(`/campaigns/${id}?page=2`));
    assert.equal(await tiles.first().getAttribute('data-id'), 'r25');
  });
});
