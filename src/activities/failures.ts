/**
 * Gateway errors leave activities as ApplicationFailures whose `type` is a contract failure type, so
 * the workflow's retry policies (nonRetryableErrorTypes, nextRetryDelay for Retry-After) do all
 * retrying. No activity loops on its own.
 */
import { ApplicationFailure } from '@temporalio/common';
import { GatewayError } from '../gateway/errors';

export function toApplicationFailure(error: unknown): unknown {
  if (!(error instanceof GatewayError)) return error;
  return ApplicationFailure.create({
    type: error.type,
    message: error.message,
    nonRetryable: !error.details.retryable,
    nextRetryDelay: error.details.retryAfterMs,
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
