/**
 * How activities fail: every ApplicationFailure an activity raises is built here, so its `type` is a
 * contract failure type and the workflow's retry policies (nonRetryableErrorTypes, nextRetryDelay for
 * Retry-After) do all retrying. No activity loops on its own. The gateway's own errors are classified
 * once, in gateway/errors.ts; what a failure means for a video is decided in workflows/video-failures.ts.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../contract';
import { invalidInput } from '../failures';
import { GatewayError } from '../gateway/errors';
import { UnsafeKeyError } from '../store/types';

export { invalidInput };

/**
 * The longest Retry-After we wait in one go. Every activity's schedule-to-close is the job's deadline,
 * which bounds the total; this keeps one absurd header from parking a retry for days.
 */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** A copy into our store failed: retried unless `final` (an unsafe URL, an oversized video). */
export function mirrorFailed(message: string, options: { final?: boolean } = {}): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.MirrorFailed, message, nonRetryable: !!options.final });
}

/** A classified gateway error, as the failure the workflow reads (its HTTP status in the details). */
export function gatewayFailure(error: GatewayError): ApplicationFailure {
  const { retryAfterMs, retryable, status, code } = error.details;
  return ApplicationFailure.create({
    type: error.type,
    message: error.message,
    nonRetryable: !retryable,
    nextRetryDelay: retryAfterMs === undefined ? undefined : Math.min(retryAfterMs, MAX_RETRY_AFTER_MS),
    details: [{ http_status: status, code }],
  });
}

/** Errors of our own layers as contract failures; anything else (cancellation, bugs) passes unchanged. */
export function toApplicationFailure(error: unknown): unknown {
  if (error instanceof UnsafeKeyError) return invalidInput(error.message);
  if (error instanceof GatewayError) return gatewayFailure(error);
  return error;
}

/** Wraps an activity so every GatewayError it throws is classified on the way out. */
export function classified<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (error) {
      throw toApplicationFailure(error);
    }
  };
}
