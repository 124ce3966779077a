/** Contract failures built in one place; pure, so workflows, activities and the client share it. */
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { FailureType } from './contract';

/** Bad input: never retried, never fallen back, and raised before any money is spent. */
export function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.InvalidInput, message, nonRetryable: true });
}

/** Every zod issue as one line a person can act on: "duration_seconds: too big". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}
