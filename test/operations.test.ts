/**
 * What operators and backend services get: search attributes to filter by, Prometheus metrics,
 * signed completion callbacks, and the job id back at once (update-with-start). Real dev server.
 */
import { Runtime } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { gatewayRequestMetrics } from '../src/operations/metrics';
import { verifyWebhook } from '../src/operations/webhooks';
import {
  eventually,
  failureOf,
  findByQuery,
  installTestRuntime,
  startWorld,
  workerLogs,
  type World,
} from './helpers/world';

const METRICS = `127.0.0.1:${20_000 + (process.pid % 20_000)}`;
const SECRET = `whsec_${Buffer.from('a test secret of thirty-two bytes').toString('base64')}`;

/** A callback receiver on loopback that answers the first `failFirst` deliveries with a 500. */
async function startReceiver(failFirst: number) {
  const received: { headers: IncomingHttpHeaders; body: string; answered: number }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const answered = received.length < failFirst ? 500 : 204;
      received.push({ headers: req.headers, body, answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    received,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/video`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The history event types of a workflow, one per event. */
/**
 * Upserts of our video attributes. The SDK's own upsert of TemporalChangeVersion (it records which
 * patches a run took, as `patched()` does for the input check) is not ours and is not counted.
 */
async function videoUpserts(world: World, workflowId: string): Promise<number> {
  const history = await world.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter((e) => {
    const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
    return Object.keys(fields).some((name) => name.startsWith('Video'));
  }).length;
}

describe('operating it (infrai)', () => {
  let world: World;
  before(async () => {
    // Before the first connection: the runtime serves its metrics and ours on one endpoint.
    installTestRuntime({ metricsAddress: METRICS });
    world = await startWorld({
      dialect: 'infrai',
      gatewayOptions: { observe: gatewayRequestMetrics(Runtime.instance().metricMeter) },
      dependencies: (deps) => ({ ...deps, callbackSecret: SECRET }),
    });
  });
  after(async () => {
    await world?.close();
  });

  test('search attributes: set at state changes only, and the UI list can filter by them', async () => {
    world.simulator.configure({ processingMs: 6000 });
    const job = await world.videos.start({ prompt: 'searchable', poll_interval: '100ms' });
    const { job_id } = await job.result();
    world.simulator.configure({ processingMs: 1200 });
    const query = `WorkflowId = "${job.workflowId}" AND VideoStatus = "succeeded" AND VideoModel = "veo-3-1-fast"`;
    const found = await findByQuery(world.client, query, 20_000);
    const attributes = found.typedSearchAttributes;
    assert.equal(attributes.getAll().find((p) => p.key.name === 'VideoJobId')?.value, (await job.progress()).job_id);
    assert.equal(attributes.getAll().find((p) => p.key.name === 'VideoCreditsEstimated')?.value, 80);
    const upserts = await videoUpserts(world, job.workflowId);
    const polls = world.simulator.callsTo('status').filter((c) => c.job_id === job_id).length;
    assert.ok(polls >= 6, `polls ${polls}`);
    // queued (with the model), job id and credits, processing, mirroring, succeeded.
    assert.ok(upserts >= 3 && upserts <= 5, `one upsert per state change, not per poll: ${upserts} for ${polls} polls`);
  });

  test('a failed video is found by its failure type', async () => {
    world.simulator.addFault({ route: 'submit', status: 402, body: { error: { code: 'INSUFFICIENT_CREDIT' } } });
    const job = await world.videos.start({ prompt: 'no credit', poll_interval: '100ms' });
    assert.equal((await failureOf(job.result())).type, 'InsufficientCredit');
    const query = `WorkflowId = "${job.workflowId}" AND VideoStatus = "failed" AND VideoFailureType = "InsufficientCredit"`;
    await findByQuery(world.client, query, 20_000);
  });

  test('metrics: the runtime and our counters move after a job', async () => {
    world.simulator.configure({ processingMs: 3000 });
    await (await world.videos.start({ prompt: 'measured', poll_interval: '100ms' })).result();
    world.simulator.configure({ processingMs: 1200 });
    const text = await eventually(
      async () => {
        const body = await (await fetch(`http://${METRICS}/metrics`)).text();
        return /video_ended/.test(body) && /video_gateway_request_duration/.test(body) ? body : undefined;
      },
      20_000,
      'our metrics on the endpoint',
    );
    const value = (pattern: RegExp) => [...text.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
    assert.ok(value(/^video_started\{[^}]*\} (\d+)/gm) >= 1, 'videos started');
    assert.ok(value(/^video_ended\{[^}]*status="succeeded"[^}]*\} (\d+)/gm) >= 1, 'videos succeeded');
    assert.ok(value(/^video_submits\{[^}]*model="veo-3-1-fast"[^}]*\} (\d+)/gm) >= 1, 'submits by model');
    assert.ok(value(/^video_gateway_requests\{[^}]*operation="status"[^}]*status="200"[^}]*\} (\d+)/gm) >= 1);
    assert.ok(value(/^video_mirror_bytes\{[^}]*\} (\d+)/gm) > 0, 'mirrored bytes');
    assert.match(text, /^video_poll_gap_bucket/m);
    // The Temporal core runtime's own metrics are on the same endpoint.
    assert.match(text, /^temporal_workflow_completed/m);
  });

  test('callbacks: signed, retried after a 500 with the same webhook id, no gateway key', async () => {
    const hooks = await startReceiver(1);
    try {
      const job = await world.videos.start({ prompt: 'call me', poll_interval: '100ms', callback_url: hooks.url });
      const result = await job.result();
      const delivered = await eventually(() => hooks.received.find((r) => r.answered === 204), 20_000, 'a delivery');
      assert.equal(hooks.received[0].answered, 500);
      assert.equal(
        hooks.received[0].headers['webhook-id'],
        delivered.headers['webhook-id'],
        'idempotent by webhook-id',
      );
      const event = verifyWebhook(SECRET, delivered.headers as Record<string, string>, delivered.body);
      assert.equal(event.type, 'video.succeeded');
      assert.equal(event.data.workflow_id, job.workflowId);
      assert.deepEqual((event.data.result as { video: unknown }).video, result.video);
      for (const r of hooks.received) assert.ok(!JSON.stringify(r).includes(world.simulator.apiKey), 'no key');
      assert.throws(() => verifyWebhook('whsec_d3Jvbmc=', delivered.headers as Record<string, string>, delivered.body));
    } finally {
      await hooks.close();
    }
  });

  test('callbacks: a cancelled video is reported too', async () => {
    const hooks = await startReceiver(0);
    try {
      world.simulator.configure({ queuedMs: 30_000 });
      const job = await world.videos.start({ prompt: 'cancel me', poll_interval: '100ms', callback_url: hooks.url });
      await eventually(async () => (await job.progress()).job_id, 20_000, 'a job');
      await job.cancel('not needed');
      await failureOf(job.result());
      const delivered = await eventually(() => hooks.received[0], 20_000, 'a delivery');
      const event = verifyWebhook(SECRET, delivered.headers as Record<string, string>, delivered.body);
      assert.equal(event.type, 'video.cancelled');
      assert.equal(event.data.failure?.type, 'Cancelled');
    } finally {
      world.simulator.configure({ queuedMs: 300 });
      await hooks.close();
    }
  });

  test('a callback_url that is not https (nor loopback) is refused before anything starts', async () => {
    await assert.rejects(
      world.videos.start({ prompt: 'x', callback_url: 'http://example.com/hook' }),
      (e: { type?: string; message: string }) => e.type === 'InvalidInput' && /callback_url/.test(e.message),
    );
  });

  test('a callback_url to a metadata, private or look-alike address is refused at start, before any submit', async () => {
    const submits = world.simulator.callsTo('submit').length;
    for (const callback_url of [
      'https://169.254.169.254/latest/meta-data/',
      'https://10.1.2.3/hook',
      'http://127.0.0.1.evil.example/hook',
    ]) {
      // Straight to the server, past the client library's own check, as another program would.
      const handle = await world.client.workflow.start('GenerateVideo', {
        taskQueue: world.taskQueue,
        workflowId: `bad-callback-${Math.random().toString(36).slice(2)}`,
        args: [{ prompt: 'x', callback_url }],
      });
      const failure = await failureOf(handle.result());
      assert.equal(failure.type, 'InvalidInput', callback_url);
      assert.match(failure.message, /callback_url/);
    }
    assert.equal(world.simulator.callsTo('submit').length, submits, 'nothing was paid for');
  });

  test('waitForSubmit: the upstream job id comes back while the job is still queued', async () => {
    world.simulator.configure({ queuedMs: 3000 });
    try {
      const job = await world.videos.start({ prompt: 'early return', poll_interval: '100ms' }, { waitForSubmit: true });
      assert.ok(job.submitted?.job_id.startsWith('vid_'), JSON.stringify(job.submitted));
      assert.equal(world.simulator.jobs.get(job.submitted!.job_id)?.prompt, 'early return');
      assert.equal((await job.progress()).status, 'queued');
      assert.equal((await job.result()).job_id, job.submitted!.job_id);
    } finally {
      world.simulator.configure({ queuedMs: 300 });
    }
  });

  test('waitForSubmit: a video that fails before any job is made fails the call with its type', async () => {
    await assert.rejects(
      world.videos.start({ prompt: 'too long', duration_seconds: 30, poll_interval: '100ms' }, { waitForSubmit: true }),
      (e: Error) => /duration_seconds 30 exceeds/.test(String((e.cause as Error | undefined)?.message ?? e.message)),
    );
  });
});

describe('a namespace without the search attributes', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ server: { searchAttributes: false } });
  });
  after(async () => {
    await world?.close();
  });

  test('videos still run, with a warning and no upserts', async () => {
    const job = await world.videos.start({ prompt: 'no attributes', poll_interval: '100ms' });
    assert.equal((await job.result()).status, 'succeeded');
    assert.equal(await videoUpserts(world, job.workflowId), 0);
    assert.ok(workerLogs.some((l) => /search attributes are not registered/.test(l)));
  });
});
