/** Contract failures built in one place; pure, so workflows, activities and the client share it. */
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { FailureType } from './contract';

/** Bad input: never retried, never fallen back, and raised before any money is spent. */
export function invalidInput(message: string): ApplicationFailure {
  return final(FailureType.InvalidInput, message);
}

/** A failure that no retry can fix, of a contract type. */
function final(type: FailureType, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** An idempotency key (a workflow id) already used for a different input. */
export const idempotencyConflict = (message: string) => final(FailureType.IdempotencyConflict, message);

/** A campaign that would end with rows it prepared but never ran or recorded. */
export const campaignIncomplete = (message: string) => final(FailureType.CampaignIncomplete, message);

/** The gateway no longer has a finished job we meant to mirror again. */
export const upstreamGone = (message: string) => final(FailureType.UpstreamGone, message);

/** Every zod issue as one line a person can act on: "duration_seconds: too big". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}
