/**
 * The zod schemas of the messages a running workflow receives. Loaded on first use (see lazy.ts):
 * only a workflow that is sent a message pays for zod.
 */
import { z } from 'zod';
import { describeIssues } from '../failures';

/** Message payloads are checked like any other input: a malformed one is refused, never half-read. */
export const CancelRequest = z.object({ reason: z.string().max(1000).optional() }).strict();
export type CancelRequest = z.infer<typeof CancelRequest>;

export const FallbackRequest = z
  .object({
    /** The model to move to; the next one in the chain when absent. */
    model: z.string().min(1).max(100).optional(),
    reason: z.string().max(1000).optional(),
  })
  .strict();
export type FallbackRequest = z.infer<typeof FallbackRequest>;

/** The reason a cancel gives, or undefined when the payload is malformed. */
export function parseCancelReason(raw: unknown): string | undefined {
  const parsed = CancelRequest.safeParse(raw ?? {});
  return parsed.success ? parsed.data.reason : undefined;
}

/** A fallback request, or why it is malformed. */
export function parseFallbackRequest(raw: unknown): { request: FallbackRequest } | { problem: string } {
  const parsed = FallbackRequest.safeParse(raw ?? {});
  return parsed.success
    ? { request: parsed.data }
    : { problem: `malformed fallback request: ${describeIssues(parsed.error)}` };
}
