/**
 * Our own metrics, served with the Temporal core runtime's on the worker's Prometheus endpoint
 * (`VIDEO_METRICS_ADDRESS`). Every meter here is the SDK's (runtime, activity or workflow), so there is
 * one registry and one endpoint; workflow metrics are not recorded again on replay.
 */
import type { MetricMeter } from '@temporalio/common';

export const METRIC = {
  /** GenerateVideo runs started (first runs only) and ended, by model, status and failure type. */
  videosStarted: 'video_started',
  videosEnded: 'video_ended',
  /** Submits made, by model, and the credits the catalog estimates for them. */
  submits: 'video_submits',
  creditsEstimated: 'video_credits_estimated',
  /** Time between two status checks of one job (the poll gap), in milliseconds. */
  pollGap: 'video_poll_gap',
  /** Gateway HTTP requests by operation and status, and their latency in milliseconds. */
  gatewayRequests: 'video_gateway_requests',
  gatewayLatency: 'video_gateway_request_duration',
  /** Bytes mirrored into our store, and how long each mirror took in milliseconds. */
  mirrorBytes: 'video_mirror_bytes',
  mirrorDuration: 'video_mirror_duration',
} as const;

/** One finished gateway request, as the HTTP client reports it. */
export interface GatewayRequestEvent {
  operation: string;
  /** The HTTP status, or 0 when no answer came (reset, timeout). */
  status: number;
  durationMs: number;
}

/** An observer for GatewayHttp that counts requests and records their latency on `meter`. */
export function gatewayRequestMetrics(meter: MetricMeter): (event: GatewayRequestEvent) => void {
  const requests = meter.createCounter(METRIC.gatewayRequests, '1', 'gateway HTTP requests');
  const latency = meter.createHistogram(METRIC.gatewayLatency, 'int', 'ms', 'gateway HTTP request latency');
  return ({ operation, status, durationMs }) => {
    requests.add(1, { operation, status: String(status) });
    latency.record(Math.round(durationMs), { operation });
  };
}
