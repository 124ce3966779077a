/**
 * Gateway errors leave activities as ApplicationFailures whose `type` is a contract failure type, so
 * the workflow's retry policies (nonRetryableErrorTypes, nextRetryDelay for Retry-After) do all
 * retrying. No activity loops on its own.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../contract';
import { GatewayError } from '../gateway/errors';
import { UnsafeKeyError } from '../store/types';

/**
 * The longest Retry-After we wait in one go. Every activity's schedule-to-close is the job's deadline,
 * which bounds the total; this keeps one absurd header from parking a retry for days.
 */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

export function toApplicationFailure(error: unknown): unknown {
  if (error instanceof UnsafeKeyError) {
    return ApplicationFailure.create({ type: FailureType.InvalidInput, message: error.message, nonRetryable: true });
  }
  if (!(error instanceof GatewayError)) return error;
  const { retryAfterMs } = error.details;
  return ApplicationFailure.create({
    type: error.type,
    message: error.message,
    nonRetryable: !error.details.retryable,
    nextRetryDelay: retryAfterMs === undefined ? undefined : Math.min(retryAfterMs, MAX_RETRY_AFTER_MS),
    details: [{ http_status: error.details.status, code: error.details.code }],
  });
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
