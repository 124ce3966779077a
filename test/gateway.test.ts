/** The gateway clients against the simulator over real HTTP: every endpoint, variant and failure class. */
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mergeCatalog } from '../src/catalog';
import { GatewayError, InferyGateway, InfraiGateway, type VideoGateway } from '../src/gateway';
import { classifyHttpError, parseRetryAfter } from '../src/gateway/errors';
import { JobResponse } from '../src/gateway/schemas';
import { SAFETY_REFUSAL } from '../src/simulator/faults';
import { startSimulator, type GatewaySimulator } from '../src/simulator/server';
import { eventually } from './helpers/world';

const request = {
  model: 'veo-3-1-fast',
  prompt: 'a test',
  duration_seconds: 4,
  resolution: '720p',
  aspect_ratio: '16:9',
};

async function gatewayError(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => assert.fail('expected a GatewayError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GatewayError, `expected GatewayError, got ${error}`);
  return error;
}

describe('response variants from the seeds', () => {
  const cases: [string, unknown, Record<string, unknown>][] = [
    [
      'seed 000: job_id, completed, result.url',
      {
        job_id: 'a',
        status: 'completed',
        progress: 100,
        created_at: 1713204900,
        result: { url: 'https://x/v.mp4', mirror_status: 'mirrored' },
      },
      { job_id: 'a', status: 'succeeded', video_url: 'https://x/v.mp4', mirror_status: 'mirrored' },
    ],
    [
      'seed 001: id, created, succeeded',
      {
        id: 'b',
        status: 'succeeded',
        progress: 100,
        created: 1713204900,
        model: 'veo-3-1-fast',
        result: { url: 'https://x/b.mp4' },
      },
      { job_id: 'b', status: 'succeeded', model: 'veo-3-1-fast' },
    ],
    [
      'seed 001: queued without progress',
      { id: 'c', status: 'queued', created: 1 },
      { job_id: 'c', status: 'queued', progress: undefined },
    ],
    [
      'seed 003/004: state and video_url',
      { job_id: 'd', state: 'succeeded', video_url: 'https://x/d.mp4', thumbnail_url: 'https://x/d.jpg' },
      { status: 'succeeded', video_url: 'https://x/d.mp4', thumbnail_url: 'https://x/d.jpg' },
    ],
    ['infrai running', { job_id: 'e', state: 'running' }, { status: 'processing' }],
    [
      'mirror failed upstream',
      { job_id: 'f', status: 'completed', result: { url: 'https://up/f.mp4', mirror_status: 'failed' } },
      { mirror_status: 'failed' },
    ],
    [
      'failed with error timeout',
      { job_id: 'g', status: 'failed', error: 'timeout' },
      { status: 'failed', error: 'timeout' },
    ],
    ['error as an object', { job_id: 'h', state: 'failed', error: { code: 'x', message: 'boom' } }, { error: 'boom' }],
    ['expired is terminal', { job_id: 'i', state: 'expired' }, { status: 'failed' }],
    ['aborted is terminal', { job_id: 'j', state: 'aborted' }, { status: 'cancelled' }],
    ['canceled (US spelling)', { job_id: 'k', status: 'canceled' }, { status: 'cancelled' }],
    [
      'an unknown word means still working (the deadline bounds it)',
      { job_id: 'l', status: 'teleporting' },
      { status: 'working', upstream_status: 'teleporting' },
    ],
  ];
  for (const [name, body, expected] of cases) {
    test(name, () => {
      const job = JobResponse.parse(body);
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(job[key as keyof typeof job], value, key);
    });
  }
  test('a body with no id or no status is refused', () => {
    assert.equal(JobResponse.safeParse({ status: 'queued' }).success, false);
    assert.equal(JobResponse.safeParse({ id: 'x' }).success, false);
  });
});

describe('failure classification', () => {
  const ctx = { operation: 'op', secrets: ['sk_live_secret'] };
  test('each status maps to its type and retry behaviour', () => {
    const table: [number, string, string, boolean][] = [
      [401, '{}', 'Unauthorized', false],
      [403, '{}', 'Unauthorized', false],
      [402, '{"error":{"code":"INSUFFICIENT_CREDIT"}}', 'InsufficientCredit', false],
      [429, '{}', 'QuotaExceeded', true],
      [400, JSON.stringify(SAFETY_REFUSAL.body), 'SafetyRefusal', false],
      [422, '{"error":{"message":"Prompt rejected by moderation"}}', 'SafetyRefusal', false],
      [400, '{"error":{"code":"invalid_request","message":"bad duration"}}', 'InvalidInput', false],
      [404, '{}', 'InvalidInput', false],
      [408, '{}', 'ProviderFailed', true],
      [500, 'oops', 'ProviderFailed', true],
      [503, '<html>down</html>', 'ProviderFailed', true],
    ];
    for (const [status, body, type, retryable] of table) {
      const error = classifyHttpError(status, body, null, ctx);
      assert.equal(error.type, type, `${status} ${body}`);
      assert.equal(error.details.retryable, retryable, `${status} retryable`);
    }
    assert.match(classifyHttpError(401, '{}', null, ctx).message, /VIDEO_API_KEY/);
  });
  test('Retry-After in seconds and as a date', () => {
    assert.equal(parseRetryAfter('7'), 7000);
    assert.ok((parseRetryAfter(new Date(Date.now() + 10_000).toUTCString()) ?? 0) > 8000);
    assert.equal(classifyHttpError(429, '{}', '3', ctx).details.retryAfterMs, 3000);
  });
  test('secrets in an echoed body are blanked', () => {
    const error = classifyHttpError(400, '{"error":{"message":"bad key sk_live_secret"}}', null, ctx);
    assert.doesNotMatch(error.message, /sk_live_secret/);
    assert.match(error.message, /\[redacted\]/);
  });
});

for (const dialect of ['infery', 'infrai'] as const) {
  describe(`${dialect} client against the simulator`, () => {
    let sim: GatewaySimulator;
    let gateway: InferyGateway | InfraiGateway;
    before(async () => {
      sim = await startSimulator({ queuedMs: 100, processingMs: 300 });
      gateway =
        dialect === 'infery'
          ? new InferyGateway({ baseUrl: sim.url, apiKey: sim.apiKey })
          : new InfraiGateway({ baseUrl: sim.url, apiKey: sim.apiKey });
    });
    after(() => sim.close());

    test('submit, poll to the end, and the video URL works', async () => {
      const job = await gateway.submit(request, { idempotencyKey: `k-${dialect}-1` });
      assert.equal(job.status, 'queued');
      const done = await eventually(async () => {
        const now = await gateway.getJob(job.job_id);
        return now.status === 'queued' || now.status === 'processing' ? undefined : now;
      });
      assert.equal(done.status, 'succeeded');
      assert.ok(done.video_url && done.thumbnail_url);
      const video = await fetch(done.video_url);
      assert.equal(video.status, 200);
      assert.equal(video.headers.get('content-type'), 'video/mp4');
      const call = sim.callsTo('submit').at(-1)!;
      assert.equal(call.idempotency_key, `k-${dialect}-1`, 'the idempotency key reaches the gateway');
    });

    test('the same idempotency key returns the same job', async () => {
      const a = await gateway.submit(request, { idempotencyKey: `k-${dialect}-same` });
      const b = await gateway.submit(request, { idempotencyKey: `k-${dialect}-same` });
      assert.equal(a.job_id, b.job_id);
    });

    test('progress rises while processing (infery) or is absent (infrai)', async () => {
      // Long enough that a busy machine still sees it processing; each read waits for a state, not a time.
      sim.configure({ queuedMs: 0, processingMs: 30_000 });
      const job = await gateway.submit(request, { idempotencyKey: `k-${dialect}-progress` });
      const read = async () => {
        const seen = await gateway.getJob(job.job_id);
        assert.equal(seen.status, 'processing');
        return seen;
      };
      const early = await eventually(async () => {
        const seen = await gateway.getJob(job.job_id);
        return seen.status === 'processing' ? seen : undefined;
      }, 20_000);
      const later =
        dialect === 'infery'
          ? await eventually(async () => {
              const seen = await read();
              return seen.progress! > early.progress! ? seen : undefined;
            }, 20_000)
          : await read();
      sim.configure({ queuedMs: 100, processingMs: 300 });
      if (dialect === 'infery') assert.ok(later.progress! > early.progress!, `${early.progress} -> ${later.progress}`);
      else assert.equal(later.progress, undefined);
    });

    test('live catalog', async () => {
      const models = await gateway.listModels();
      const catalog = mergeCatalog(models);
      assert.equal(catalog['veo-3-1'].max_duration_seconds, 8);
      assert.ok(catalog['wan-2-1'].resolutions.includes('480p'));
      assert.equal(catalog['veo-3-1-fast'].credits_per_4s_720p, 80, 'built-in prices fill gaps');
    });

    test('every failure class', async () => {
      const cases: [Parameters<GatewaySimulator['addFault']>[0], string, boolean][] = [
        [{ route: 'submit', ...SAFETY_REFUSAL }, 'SafetyRefusal', false],
        [
          { route: 'submit', status: 402, body: { error: { code: 'INSUFFICIENT_CREDIT', message: 'top up' } } },
          'InsufficientCredit',
          false,
        ],
        [{ route: 'submit', status: 429, retryAfter: 2 }, 'QuotaExceeded', true],
        [{ route: 'submit', status: 503 }, 'ProviderFailed', true],
        [{ route: 'submit', malformed: true }, 'ProviderFailed', true],
        [{ route: 'submit', reset: true }, 'ProviderFailed', true],
        [{ route: 'submit', status: 200, body: { hello: 'world' } }, 'ProviderFailed', true],
      ];
      for (const [fault, type, retryable] of cases) {
        sim.addFault(fault);
        const error = await gatewayError(gateway.submit(request, { idempotencyKey: `f-${Math.random()}` }));
        assert.equal(error.type, type, JSON.stringify(fault));
        assert.equal(error.details.retryable, retryable);
        assert.doesNotMatch(error.message, new RegExp(sim.apiKey));
      }
      sim.addFault({ route: 'submit', status: 429, retryAfter: 2 });
      assert.equal((await gatewayError(gateway.submit(request, { idempotencyKey: 'r' }))).details.retryAfterMs, 2000);
      const invalid = await gatewayError(gateway.submit({ ...request, duration_seconds: 30 }, { idempotencyKey: 'd' }));
      assert.equal(invalid.type, 'InvalidInput');
    });

    test('a wrong key is Unauthorized, naming the variable to fix, and the key never shows', async () => {
      const wrong =
        dialect === 'infery'
          ? new InferyGateway({ baseUrl: sim.url, apiKey: 'not-the-key' })
          : new InfraiGateway({ baseUrl: sim.url, apiKey: 'not-the-key' });
      const error = await gatewayError(wrong.getJob('x'));
      assert.equal(error.type, 'Unauthorized');
      assert.match(error.message, /VIDEO_API_KEY/);
      assert.doesNotMatch(error.message, /not-the-key/);
    });

    test('a slow gateway fails the call at the request timeout', async () => {
      const impatient =
        dialect === 'infery'
          ? new InferyGateway({ baseUrl: sim.url, apiKey: sim.apiKey, requestTimeoutMs: 200 })
          : new InfraiGateway({ baseUrl: sim.url, apiKey: sim.apiKey, requestTimeoutMs: 200 });
      sim.addFault({ route: 'models', delayMs: 1000 });
      sim.addFault({ route: 'capabilities', delayMs: 1000 });
      const error = await gatewayError(impatient.listModels());
      assert.equal(error.type, 'ProviderFailed');
      assert.equal(error.details.retryable, true);
      sim.faults.clear();
    });
  });
}

describe('infery extras', () => {
  let sim: GatewaySimulator;
  let gateway: InferyGateway;
  before(async () => {
    sim = await startSimulator({ queuedMs: 0, processingMs: 100, inferyStyle: 'id' });
    gateway = new InferyGateway({ baseUrl: sim.url, apiKey: sim.apiKey });
  });
  after(() => sim.close());

  test('createGeneration accepts the seed 001 spelling `duration` and image_base64', async () => {
    const job = await gateway.createGeneration({
      model: 'veo-3-1-fast',
      prompt: 'p',
      duration: 4,
      image_base64: Buffer.from('img').toString('base64'),
    });
    assert.equal(sim.jobs.get(job.job_id)?.duration_seconds, 4);
  });

  test('uploadFile pins a copy (POST /v1/files, purpose user_data)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'upload-'));
    const path = join(dir, 'hero.mp4');
    writeFileSync(path, Buffer.alloc(12345, 1));
    const file = await gateway.uploadFile(path);
    assert.match(file.id, /^file_/);
    assert.equal(file.bytes, 12345);
    assert.equal(file.purpose, 'user_data');
    assert.equal(file.filename, 'hero.mp4');
  });

  test('infery has no cancel endpoint, so its client has no cancel method', () => {
    const asGateway: VideoGateway = gateway;
    assert.equal(asGateway.cancel, undefined);
    assert.equal(asGateway.supports.multipleVideos, true);
  });
});

describe('infrai extras', () => {
  let sim: GatewaySimulator;
  let gateway: InfraiGateway;
  before(async () => {
    sim = await startSimulator({ queuedMs: 0, processingMs: 100 });
    gateway = new InfraiGateway({ baseUrl: sim.url, apiKey: sim.apiKey });
  });
  after(() => sim.close());

  test('cancel, get, download_url, set_retention', async () => {
    sim.configure({ queuedMs: 5000, processingMs: 5000 });
    const running = await gateway.submit(request, { idempotencyKey: 'c1' });
    assert.equal(await gateway.cancel(running.job_id), true);
    assert.equal((await gateway.getJob(running.job_id)).status, 'cancelled');
    assert.equal(sim.callsTo('cancel').at(-1)!.job_id, running.job_id);
    sim.configure({ queuedMs: 0, processingMs: 100 });

    const job = await gateway.submit(
      { ...request, model: 'veo-3-1', duration_seconds: 8, resolution: '1080p' },
      { idempotencyKey: 'g1' },
    );
    await eventually(async () => (await gateway.getJob(job.job_id)).status === 'succeeded');
    const full = await gateway.get(job.job_id);
    assert.equal(full.model, 'veo-3-1');
    const { url, expires_at } = await gateway.downloadUrl(job.job_id);
    assert.equal((await fetch(url)).status, 200);
    assert.ok(Date.parse(expires_at!) > Date.now());
    const retention = await gateway.setRetention(job.job_id, 90);
    assert.equal(retention.retention_days, 90);
  });

  test('set_retention out of range is refused before any call', async () => {
    const before = sim.calls.length;
    for (const days of [0, 91, 1.5, -3]) {
      const error = await gatewayError(gateway.setRetention('whatever', days));
      assert.equal(error.type, 'InvalidInput');
    }
    assert.equal(sim.calls.length, before);
  });

  test('image_base64 is refused (infrai takes an image URL only) before any call', async () => {
    const before = sim.calls.length;
    await assert.rejects(
      async () => gateway.submit({ ...request, image_base64: 'aGk=' }, { idempotencyKey: 'b' }),
      /image_url/,
    );
    assert.equal(sim.calls.length, before);
  });

  test('list walks every page by cursor; delete and delete_all', async () => {
    await gateway.deleteAll();
    const ids = [];
    for (let i = 0; i < 7; i++) ids.push((await gateway.submit(request, { idempotencyKey: `list-${i}` })).job_id);
    const seen = [];
    for await (const job of gateway.list({ limit: 3 })) seen.push(job.job_id);
    assert.deepEqual(seen, ids);
    assert.equal(sim.callsTo('list').length, 3, 'three pages of 3, 3, 1');
    assert.equal(await gateway.delete(ids[0]), true);
    const afterDelete = [];
    for await (const job of gateway.list({ limit: 100 })) afterDelete.push(job.job_id);
    assert.equal(afterDelete.length, 6);
    assert.equal(await gateway.deleteAll(), 6);
    const none = [];
    for await (const job of gateway.list()) none.push(job);
    assert.equal(none.length, 0);
  });

  test('seed 003 paths /v1/video/jobs/{id} answer too', async () => {
    const job = await gateway.submit(request, { idempotencyKey: 'seed3' });
    const answer = await fetch(`${sim.url}/v1/video/jobs/${job.job_id}`, {
      headers: { authorization: `Bearer ${sim.apiKey}` },
    });
    assert.equal(answer.status, 200);
    assert.equal(JobResponse.parse(await answer.json()).job_id, job.job_id);
  });
});

describe('a gateway whose catalog and statuses follow other spellings', () => {
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/v1/models')) {
        res.end(
          JSON.stringify([
            { id: 'veo-3-1', allowedParams: { duration_seconds: [4, 6, 8], resolution: ['720p'] } },
            { id: 'new-model', modality: 'video', allowedParams: { duration: 12 } },
            { id: 'an-image-model', modality: 'image' },
          ]),
        );
      } else res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('a bare array with duration lists and unknown models', async () => {
    const models = await new InferyGateway({ baseUrl: url, apiKey: 'k' }).listModels();
    assert.deepEqual(
      models.map((m) => m.id),
      ['veo-3-1', 'new-model'],
    );
    const catalog = mergeCatalog(models);
    assert.equal(catalog['veo-3-1'].max_duration_seconds, 8);
    assert.deepEqual(catalog['veo-3-1'].resolutions, ['720p'], 'the live catalog wins');
    assert.equal(catalog['new-model'].max_duration_seconds, 12);
  });
});
