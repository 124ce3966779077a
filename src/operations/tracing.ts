/**
 * OpenTelemetry traces through Temporal's official interceptors: one trace from the client's start
 * through the workflow to every activity, with a span per gateway HTTP call. On when the standard
 * OTEL_* variables ask for it (an OTLP endpoint, or OTEL_TRACES_EXPORTER=otlp), off otherwise;
 * OTEL_SDK_DISABLED=true turns it off. Spans carry no secrets: no key, no query string, no body.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, WorkerOptions } from '@temporalio/worker';
import { tracingRequested } from './tracing-env';

export { tracingRequested };

export interface Tracing {
  processor: SpanProcessor;
  resource: Resource;
  provider: NodeTracerProvider;
  shutdown(): Promise<void>;
}

/** A global tracer provider sending to `processor` (tests pass an in-memory one). */
export function startTracing(processor: SpanProcessor, serviceName: string): Tracing {
  const resource = new Resource({ 'service.name': process.env.OTEL_SERVICE_NAME ?? serviceName });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  return { processor, resource, provider, shutdown: () => provider.shutdown() };
}

/** Tracing as the OTEL_* variables configure it (the OTLP exporter reads its endpoint and headers), or none. */
export function tracingFromEnv(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  return tracingRequested(env) ? startTracing(new BatchSpanProcessor(new OTLPTraceExporter()), serviceName) : undefined;
}

/** The workflow interceptor module, bundled into the workflow code when tracing is on. */
export const WORKFLOW_TRACING_MODULE = require.resolve('../workflows/tracing-interceptors');

/** Worker options that trace workflows (spans leave the sandbox through a sink) and activities. */
export function workerTracing(tracing: Tracing) {
  return {
    sinks: { exporter: makeWorkflowExporter(tracing.processor, tracing.resource) } satisfies WorkerOptions['sinks'],
    interceptors: {
      workflowModules: [WORKFLOW_TRACING_MODULE],
      activity: [
        (ctx: Parameters<ActivityInterceptorsFactory>[0]): ReturnType<ActivityInterceptorsFactory> => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
  };
}

/** Client interceptors that start the trace (and carry it into the workflow). */
export function clientTracing() {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}
