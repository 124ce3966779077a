/** Names shared by every version of VideoCampaign: its children's ids and its patches. */

/**
 * Each row's video is a child named after the campaign and the row: `<campaign id>/<row id>`; a
 * retry of the row gets a fresh id, `<campaign id>/<row id>/attempt-<n>`.
 */
export function childWorkflowId(campaignId: string, rowId: string, attempt = 1): string {
  return attempt > 1 ? `${campaignId}/${rowId}/attempt-${attempt}` : `${campaignId}/${rowId}`;
}

/** The patch that added search attributes to campaigns (version 2). */
export const CAMPAIGN_SEARCH_ATTRIBUTES_PATCH = 'campaign-search-attributes';

/** The patch that moved rows and results to the store (version 3); histories without it run version 2. */
export const CAMPAIGN_MANIFEST_PATCH = 'campaign-manifest';
