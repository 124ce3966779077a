/**
 * One trace from the client's start through the workflow to submit, poll and mirror, with a span per
 * gateway call, through Temporal's official OpenTelemetry interceptors; spans carry no secrets.
 */
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { VideoClient } from '../src/client';
import {
  clientTracing,
  startTracing,
  type Tracing,
  WORKFLOW_TRACING_MODULE,
  workerTracing,
} from '../src/operations/tracing';
import { tracingRequested } from '../src/operations/tracing-env';
import { eventually, startWorld, workflowBundleWith, type World } from './helpers/world';

describe('traces', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let world: World;
  before(async () => {
    tracing = startTracing(new SimpleSpanProcessor(exporter), 'durable-video-test');
    world = await startWorld({
      workflowBundle: workflowBundleWith([WORKFLOW_TRACING_MODULE]),
      workerOptions: workerTracing(tracing),
    });
  });
  after(async () => {
    await world?.close();
    await tracing?.shutdown();
  });

  test('the standard OTEL_* variables turn traces on; unset or disabled, they are off', () => {
    assert.equal(tracingRequested({}), false);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), true);
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp' }), true);
    assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'x' }), false);
    assert.equal(tracingRequested({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }), false);
  });

  test('client start -> workflow -> submit -> poll -> mirror, one trace, gateway calls inside', async () => {
    const client = new Client({ connection: world.client.connection, interceptors: clientTracing() });
    const videos = new VideoClient(client, { taskQueue: world.taskQueue });
    const job = await videos.start({ prompt: 'traced', poll_interval: '200ms' });
    await job.result();
    const spans = await eventually(
      () => {
        const all = exporter.getFinishedSpans();
        return all.some((s) => s.name.startsWith('RunActivity:mirrorVideo')) ? all : undefined;
      },
      20_000,
      'the mirror span',
    );
    const start = spans.find((s) => s.name === 'StartWorkflow:GenerateVideo');
    assert.ok(start, spans.map((s) => s.name).join(', '));
    const traceId = start.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId).map((s) => s.name);
    for (const name of [
      'RunWorkflow:GenerateVideo',
      'StartActivity:submitVideoJob',
      'RunActivity:submitVideoJob',
      'RunActivity:pollVideoJob',
      'RunActivity:mirrorVideo',
      'gateway create generation',
      'gateway get generation',
    ]) {
      assert.ok(inTrace.includes(name), `${name} missing from the trace: ${inTrace.join(', ')}`);
    }
    const key = world.simulator.apiKey;
    for (const span of spans) {
      assert.ok(!JSON.stringify({ name: span.name, attributes: span.attributes }).includes(key), `key in ${span.name}`);
    }
  });
});
