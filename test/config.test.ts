/** Worker configuration from the environment: defaults, and clear messages for bad values. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadWorkerConfig } from '../src/config';
import { createStore, FolderStore } from '../src/store';
import { S3Store } from '../src/store/s3';

describe('worker configuration', () => {
  test('defaults: the embedded simulator, infery, a folder store, the contract task queue', () => {
    const config = loadWorkerConfig({});
    assert.equal(config.VIDEO_API_BASE_URL, undefined);
    assert.equal(config.VIDEO_API_DIALECT, 'infery');
    assert.equal(config.VIDEO_STORE, './videos');
    assert.equal(config.VIDEO_TASK_QUEUE, 'video-generation');
    assert.equal(config.VIDEO_MIRROR_ALLOW_LOOPBACK, false);
  });

  test('bad values name the variable and what is allowed', () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ VIDEO_API_DIALECT: 'openai' }, /VIDEO_API_DIALECT.*infery.*infrai/],
      [{ VIDEO_API_BASE_URL: 'not a url', VIDEO_API_KEY: 'k' }, /VIDEO_API_BASE_URL/],
      [{ VIDEO_API_BASE_URL: 'https://api.infery.ai' }, /VIDEO_API_KEY is required/],
      [{ VIDEO_STORE: 'gs://bucket' }, /VIDEO_STORE.*s3:\/\/bucket/],
      [{ VIDEO_UPSTREAM_RETENTION_DAYS: '120' }, /VIDEO_UPSTREAM_RETENTION_DAYS/],
      [{ VIDEO_MIRROR_ALLOW_LOOPBACK: 'maybe' }, /VIDEO_MIRROR_ALLOW_LOOPBACK/],
    ];
    for (const [env, message] of bad) {
      assert.throws(
        () => loadWorkerConfig(env),
        (e: Error) => e instanceof ConfigError && message.test(e.message),
        JSON.stringify(env),
      );
    }
  });

  test('the key is never echoed in a configuration error', () => {
    assert.throws(
      () => loadWorkerConfig({ VIDEO_API_KEY: 'sk_secret_value', VIDEO_API_DIALECT: 'nope' }),
      (e: Error) => !e.message.includes('sk_secret_value'),
    );
  });

  test('VIDEO_STORE picks the store', async () => {
    assert.ok((await createStore('./videos')) instanceof FolderStore);
    const s3 = await createStore('s3://my-bucket/some/prefix');
    assert.ok(s3 instanceof S3Store);
    assert.equal(s3.describe('wf/video.mp4'), 's3://my-bucket/some/prefix/wf/video.mp4');
  });
});

describe('worker configuration: empty and production', () => {
  test('an empty variable counts as unset (docker compose passes VAR="")', () => {
    const config = loadWorkerConfig({ VIDEO_API_BASE_URL: '', VIDEO_API_KEY: '', VIDEO_STORE: ' ' });
    assert.equal(config.VIDEO_API_BASE_URL, undefined);
    assert.equal(config.VIDEO_STORE, './videos');
  });

  test('NODE_ENV=production refuses to fall back to the simulator', () => {
    assert.throws(
      () => loadWorkerConfig({ NODE_ENV: 'production' }),
      (e: Error) => e instanceof ConfigError && /VIDEO_API_BASE_URL is required/.test(e.message),
    );
    assert.throws(() => loadWorkerConfig({ NODE_ENV: 'production', VIDEO_API_BASE_URL: '' }), ConfigError);
    const real = loadWorkerConfig({
      NODE_ENV: 'production',
      VIDEO_API_BASE_URL: 'https://api.infery.ai',
      VIDEO_API_KEY: 'k',
    });
    assert.equal(real.VIDEO_API_BASE_URL, 'https://api.infery.ai');
    // On a developer's machine the simulator stays the embedded default.
    assert.equal(loadWorkerConfig({ NODE_ENV: 'development' }).VIDEO_API_BASE_URL, undefined);
  });

  test('NODE_ENV=production refuses an http:// gateway (the key in cleartext) except on loopback', () => {
    const withGateway = (url: string, NODE_ENV = 'production') =>
      loadWorkerConfig({ NODE_ENV, VIDEO_API_BASE_URL: url, VIDEO_API_KEY: 'k' });
    for (const url of ['http://api.infery.ai', 'http://10.0.0.5:8080', 'http://127.0.0.1.evil.example']) {
      assert.throws(
        () => withGateway(url),
        (e: Error) => e instanceof ConfigError && /must be https/.test(e.message),
        url,
      );
      assert.equal(withGateway(url, 'development').VIDEO_API_BASE_URL, url);
    }
    for (const url of [
      'http://127.0.0.1:8080',
      'http://localhost:8080',
      'http://[::1]:8080',
      'https://api.infery.ai',
    ]) {
      assert.equal(withGateway(url).VIDEO_API_BASE_URL, url);
    }
  });

  test('callbacks to loopback have their own switch, off by default', () => {
    assert.equal(loadWorkerConfig({}).VIDEO_CALLBACK_ALLOW_LOOPBACK, false);
    const config = loadWorkerConfig({ VIDEO_MIRROR_ALLOW_LOOPBACK: '1' });
    assert.equal(config.VIDEO_CALLBACK_ALLOW_LOOPBACK, false, 'the mirror switch does not open callbacks');
    assert.equal(loadWorkerConfig({ VIDEO_CALLBACK_ALLOW_LOOPBACK: 'true' }).VIDEO_CALLBACK_ALLOW_LOOPBACK, true);
  });
});

describe('fleet settings', () => {
  test('VIDEO_WORKER_* become worker options; unset ones keep the SDK defaults, but for watch-sized activity slots', async () => {
    const { workerTuning } = await import('../src/config.js');
    // A watch holds a slot while its job runs: a worker takes every watch of a large fleet untuned.
    assert.deepEqual(workerTuning(loadWorkerConfig({})), { maxConcurrentActivityTaskExecutions: 10_000 });
    const tuned = workerTuning(
      loadWorkerConfig({
        VIDEO_WORKER_MAX_CACHED_WORKFLOWS: '2000',
        VIDEO_WORKER_MAX_ACTIVITIES: '1200',
        VIDEO_WORKER_WORKFLOW_POLLERS: '4',
        VIDEO_WORKER_REUSE_V8_CONTEXT: '1',
      }),
    );
    assert.deepEqual(tuned, {
      maxCachedWorkflows: 2000,
      maxConcurrentActivityTaskExecutions: 1200,
      workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 4 },
      reuseV8Context: true,
    });
  });

  test('VIDEO_API_MAX_RPS is split by VIDEO_WORKER_COUNT; bad values are refused', () => {
    const config = loadWorkerConfig({ VIDEO_API_MAX_RPS: '100', VIDEO_WORKER_COUNT: '4' });
    assert.equal(config.VIDEO_API_MAX_RPS! / config.VIDEO_WORKER_COUNT, 25);
    assert.throws(() => loadWorkerConfig({ VIDEO_API_MAX_RPS: '0' }), /VIDEO_API_MAX_RPS/);
    assert.throws(() => loadWorkerConfig({ VIDEO_WORKER_MAX_ACTIVITIES: 'many' }), /VIDEO_WORKER_MAX_ACTIVITIES/);
  });
});
