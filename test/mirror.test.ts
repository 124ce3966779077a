/** The mirror: our own verified copy, in a folder or S3, and every bad download refused. */
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { addressProblem, safeGet, UnsafeUrlError, DEFAULT_DOWNLOAD_POLICY } from '../src/activities/safe-download';
import { SAMPLE_VIDEO } from '../src/simulator/server';
import { S3Store } from '../src/store/s3';
import { localS3Client, startLocalS3, type LocalS3 } from './helpers/s3rver';
import { eventually, failureOf, startWorld, type World } from './helpers/world';

const SAMPLE_SHA = createHash('sha256').update(readFileSync(SAMPLE_VIDEO)).digest('hex');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('mirror into a folder (infery)', () => {
  let world: World;
  before(async () => {
    world = await startWorld();
  });
  afterEach(() => world.simulator.faults.clear());
  after(async () => {
    await world?.close();
  });

  for (const [name, fault] of [
    ['a truncated body', { truncateAt: 10_000 }],
    ['a wrong Content-Type', { contentType: 'text/html' }],
    ['a checksum mismatch', { corrupt: true }],
  ] as const) {
    test(`${name} is refused and retried; only good bytes are stored`, async () => {
      world.simulator.addFault({ route: 'video', ...fault });
      const result = await world.videos.generate({ prompt: name, poll_interval: '200ms' });
      assert.equal(result.video.sha256, SAMPLE_SHA);
      const downloads = world.simulator.callsTo('video').filter((c) => c.job_id === result.job_id);
      assert.equal(downloads.length, 2, 'the bad download, then the retry');
      assert.deepEqual(
        filesUnder(world.storeDir).filter((f) => f.endsWith('.partial')),
        [],
        'no partial file left',
      );
    });
  }

  test('an SVG thumbnail (script served from our bucket) is not kept; raster thumbnails are', async () => {
    world.simulator.addFault({ route: 'thumbnail', contentType: 'image/svg+xml' });
    const job = await world.videos.start({ prompt: 'svg thumbnail', poll_interval: '200ms' });
    const result = await job.result();
    assert.equal(result.video.sha256, SAMPLE_SHA, 'the video is what matters');
    assert.equal(result.thumbnail, undefined);
    assert.ok(!filesUnder(world.storeDir).some((f) => f.includes(job.workflowId) && f.includes('thumbnail')));
    const raster = await world.videos.generate({ prompt: 'jpeg thumbnail', poll_interval: '200ms' });
    assert.equal(raster.thumbnail?.content_type, 'image/jpeg');
  });

  test('the gateway mirror failing (mirror_status "failed") is covered by our own copy', async () => {
    world.simulator.addFault({ route: 'submit', mirrorFailed: true });
    const result = await world.videos.generate({ prompt: 'their mirror failed', poll_interval: '200ms' });
    assert.equal(result.provider_mirror_status, 'failed');
    assert.equal(result.video.sha256, SAMPLE_SHA);
  });

  test('a redirect to a metadata address is refused, not retried, and nothing is stored', async () => {
    world.simulator.addFault({ route: 'video', redirectTo: 'http://169.254.169.254/latest/meta-data/' });
    const job = await world.videos.start({ prompt: 'ssrf', poll_interval: '200ms' });
    const failure = await failureOf(job.result());
    assert.equal(failure.type, 'MirrorFailed');
    assert.match(failure.message, /169\.254\.169\.254|refusing/);
    const [details] = failure.details as [{ job_id: string; provider_url: string }];
    assert.ok(details.job_id && details.provider_url, 'what was already paid for is not lost');
    assert.equal(world.simulator.callsTo('video').filter((c) => c.job_id === details.job_id).length, 1);
    assert.ok(!filesUnder(world.storeDir).some((f) => f.includes(job.workflowId)));
  });

  test('the infery workspace pin, when configured', async () => {
    const pinned = await startWorld({ dependencies: (d) => ({ ...d, upstreamCopy: { pinFile: true } }) });
    try {
      const result = await pinned.videos.generate({ prompt: 'pin it', poll_interval: '200ms' });
      assert.match(result.upstream_copy?.file_id ?? '', /^file_/);
      assert.equal(pinned.simulator.callsTo('files').length, 1);
    } finally {
      await pinned.close();
    }
  });
});

describe('cancelling while mirroring', () => {
  let world: World;
  let video: string;
  before(async () => {
    video = join(mkdtempSync(join(tmpdir(), 'big-video-')), 'big.mp4');
    writeFileSync(video, randomBytes(8 * 1024 * 1024));
    world = await startWorld({ simulator: { videoPath: video } });
  });
  after(async () => {
    await world?.close();
    rmSync(join(video, '..'), { recursive: true, force: true });
  });

  test('stops the download and stores nothing', async () => {
    // 32 s for the whole body: far longer than a cancel takes to reach the download (a heartbeat away).
    world.simulator.addFault({ route: 'video', bytesPerSecond: 256 * 1024 });
    const job = await world.videos.start({ prompt: 'cancel me while mirroring', poll_interval: '200ms' });
    // Cancel mid-download: once the gateway has sent part of the body.
    const download = await eventually(
      () => world.simulator.callsTo('video').find((c) => (c.sent_bytes ?? 0) > 0),
      30_000,
      'the download under way',
    );
    await job.handle.cancel();
    await job.result().then(
      () => assert.fail('should be cancelled'),
      () => undefined,
    );
    // The activity learns of the cancel through its heartbeat and aborts: the gateway sees the client
    // go away before the body is complete (the state that proves it, not a time).
    await eventually(() => download.body_end, 30_000, 'the download to end');
    assert.equal(download.body_end, 'client_gone', 'the download was stopped, not finished');
    assert.ok(download.sent_bytes! < 8 * 1024 * 1024, `${download.sent_bytes} bytes of 8 MiB sent`);
    // No download finished, and the workflow is closed (nothing retries the mirror): whatever is left in
    // the store is all there will be.
    assert.ok(
      world.simulator.callsTo('video').every((c) => c.body_end !== 'complete'),
      'no download finished',
    );
    await eventually(() => filesUnder(world.storeDir).length === 0, 10_000, 'the partial file removed');
    const progress = await job.progress();
    assert.equal(progress.attempts[0].upstream_cancel, undefined, 'a finished upstream job is not cancelled');
  });
});

describe('mirror with infrai', () => {
  let world: World;
  before(async () => {
    // Every URL in a job answer has already expired by the time it is fetched.
    world = await startWorld({
      dialect: 'infrai',
      simulator: { urlTtlMs: 1 },
      dependencies: (d) => ({ ...d, upstreamCopy: { retentionDays: 30 } }),
    });
  });
  after(async () => {
    await world?.close();
  });

  test('an expired URL falls back to download_url; retention is set on the gateway', async () => {
    const result = await world.videos.generate({ prompt: 'expired', poll_interval: '200ms' });
    assert.equal(result.video.sha256, SAMPLE_SHA);
    assert.equal(world.simulator.callsTo('video', 403).length, 1, 'the expired URL was refused');
    assert.equal(world.simulator.callsTo('download_url').length, 1);
    assert.equal(result.upstream_copy?.retention_days, 30);
    assert.equal(world.simulator.jobs.get(result.job_id)?.retention_days, 30);
    assert.equal(result.thumbnail, undefined, 'the expired thumbnail URL is not fatal');
  });
});

describe('mirror into S3 (s3rver on loopback)', () => {
  let s3: LocalS3;
  let world: World;
  let client: S3Client;
  before(async () => {
    s3 = await startLocalS3();
    client = localS3Client(s3);
    world = await startWorld({
      dependencies: (d) => ({
        ...d,
        store: new S3Store(client, { bucket: s3.bucket, prefix: 'generated', partSizeBytes: 5 * 1024 * 1024 }),
      }),
    });
  });
  afterEach(() => world.simulator.faults.clear());
  after(async () => {
    await world?.close();
    await s3?.close();
  });

  test('the video lands in the bucket under the workflow id, with a working presigned URL', async () => {
    const job = await world.videos.start({ prompt: 'to s3', poll_interval: '200ms' });
    const result = await job.result();
    assert.equal(result.video.uri, `s3://${s3.bucket}/generated/${job.workflowId}/video.mp4`);
    const object = await client.send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: `generated/${job.workflowId}/video.mp4` }),
    );
    const bytes = Buffer.from(await object.Body!.transformToByteArray());
    assert.equal(createHash('sha256').update(bytes).digest('hex'), result.video.sha256);
    assert.equal(result.video.sha256, SAMPLE_SHA);
    assert.equal(object.ContentType, 'video/mp4');
    const viaUrl = await fetch(result.video.url);
    assert.equal(viaUrl.status, 200);
    assert.equal(Buffer.from(await viaUrl.arrayBuffer()).length, result.video.bytes);
  });

  test('a truncated download never becomes an object', async () => {
    world.simulator.addFault({ route: 'video', truncateAt: 20_000, times: 1 });
    const job = await world.videos.start({ prompt: 'truncated to s3', poll_interval: '200ms' });
    const result = await job.result();
    assert.equal(result.video.sha256, SAMPLE_SHA, 'the retry stored the whole video');
    const head = await client.send(
      new HeadObjectCommand({ Bucket: s3.bucket, Key: `generated/${job.workflowId}/video.mp4` }),
    );
    assert.equal(head.ContentLength, result.video.bytes);
  });
});

describe('download safety', () => {
  let server: Server;
  let port: number;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/loop') res.writeHead(302, { location: '/loop' }).end();
      else res.writeHead(200, { 'content-type': 'video/mp4' }).end('x');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const policy = { ...DEFAULT_DOWNLOAD_POLICY };
  const refused = (url: string, p = policy) => assert.rejects(safeGet(url, p), UnsafeUrlError);

  test('plain http is refused unless loopback is explicitly allowed', async () => {
    await refused('http://example.com/video.mp4');
    await refused(`http://127.0.0.1:${port}/v.mp4`);
    const ok = await safeGet(`http://127.0.0.1:${port}/v.mp4`, { ...policy, allowLoopback: true });
    ok.resume();
    assert.equal(ok.statusCode, 200);
  });

  test('private, link-local and metadata addresses are refused, also when a name resolves to them', async () => {
    for (const address of [
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
    ]) {
      assert.ok(addressProblem(address, policy), address);
    }
    assert.equal(addressProblem('8.8.8.8', policy), undefined);
    assert.equal(addressProblem('2001:4860:4860::8888', policy), undefined);
    await refused('https://169.254.169.254/latest/meta-data/');
    await refused('https://[fd00::1]/x');
    // "localhost" is a name: the check runs on what it resolves to.
    await refused(`https://localhost:${port}/v.mp4`);
  });

  test('IPv6 spellings of IPv4 hosts (mapped, NAT64, 6to4, compatible) are refused before any connection', async () => {
    for (const host of [
      '[::ffff:7f00:1]',
      '[::ffff:127.0.0.1]',
      '[::ffff:a9fe:a9fe]',
      '[64:ff9b::7f00:1]',
      '[2002:7f00:1::]',
      '[::7f00:1]',
    ]) {
      await refused(`https://${host}:${port}/v.mp4`);
    }
    // Even where loopback is allowed (the simulator), a mapped private or metadata host is not.
    await refused('https://[::ffff:a9fe:a9fe]/latest/meta-data/', { ...policy, allowLoopback: true });
  });

  test('redirects are bounded', async () => {
    await assert.rejects(
      safeGet(`http://127.0.0.1:${port}/loop`, { ...policy, allowLoopback: true }),
      /more than 5 redirects/,
    );
  });
});
