/**
 * Cancellation helpers for workflow code: a `catch` that never swallows a cancellation, and work that
 * a message can interrupt without leaving a condition behind.
 */
import { CancellationScope, condition, isCancellation } from '@temporalio/workflow';

/** A `catch` must never swallow a cancellation: every one in this workflow calls this first. */
export function rethrowCancellation(error: unknown): void {
  if (isCancellation(error)) throw error;
}

export const INTERRUPTED = Symbol('interrupted');

/**
 * Run `work` until it ends or `interrupt()` turns true; then cancel it and return INTERRUPTED. A
 * cancellation of the workflow itself is not an interruption: it is rethrown.
 */
export async function interruptible<T>(
  work: () => Promise<T>,
  interrupt: () => boolean,
): Promise<T | typeof INTERRUPTED> {
  const scope = new CancellationScope();
  const watcher = new CancellationScope();
  let interrupted = false;
  watcher
    .run(() => condition(interrupt))
    .then(
      () => {
        interrupted = true;
        scope.cancel();
      },
      () => undefined, // the watcher is cancelled when the work ends first
    );
  try {
    return await scope.run(work);
  } catch (error) {
    if (interrupted && isCancellation(error) && !CancellationScope.current().consideredCancelled) return INTERRUPTED;
    throw error;
  } finally {
    watcher.cancel();
  }
}
