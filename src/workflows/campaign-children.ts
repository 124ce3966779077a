/** How a campaign starts each row's video: the child's id and the request it is started with. */
import type { GenerateVideoInput } from '../request';
import type { Budget } from './budget';

/**
 * Each row's video is a child named after the campaign and the row: `<campaign id>/<row id>`; a
 * retry of the row gets a fresh id, `<campaign id>/<row id>/attempt-<n>`.
 */
export function childWorkflowId(campaignId: string, rowId: string, attempt = 1): string {
  return attempt > 1 ? `${campaignId}/${rowId}/attempt-${attempt}` : `${campaignId}/${rowId}`;
}

/**
 * The row's request as its video is started: the campaign's prices, and in a budgeted campaign a
 * `max_credits` no higher than the row's reservation, so the video refuses any submit past it. A
 * row's own prices count only without a budget: with one, a row could price a model at 0.
 */
export function childRequest(
  request: GenerateVideoInput,
  budget: Budget,
  reserved: number,
  campaignPrices: Record<string, number> | undefined,
): GenerateVideoInput {
  const { prices: own, max_credits: ownMax, ...rest } = request;
  const prices = budget.limited || !own ? campaignPrices : { ...campaignPrices, ...own };
  const cap = budget.capFor(reserved, ownMax);
  return { ...rest, ...(prices ? { prices } : {}), ...(cap !== undefined ? { max_credits: cap } : {}) };
}
