/** Contract failures built in one place; pure, so workflows, activities and the client share it. */
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from './contract';

/** Bad input: never retried, never fallen back, and raised before any money is spent. */
export function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.InvalidInput, message, nonRetryable: true });
}
