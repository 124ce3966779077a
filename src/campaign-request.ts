/**
 * The `VideoCampaign` wire format: many GenerateVideo requests, run a few at a time. Every row is
 * checked before anything starts, so a bad row fails the campaign before any money is spent.
 */
import { z } from 'zod';
import { describeIssues, GenerateVideoRequest, type GenerateVideoInput } from './request';

/** Rows travel in workflow history; past this, split the campaign (or page it from storage, not built). */
export const MAX_CAMPAIGN_VIDEOS = 2000;

const VideoRow = z
  .object({ id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'id: letters, digits, . _ - (at most 100)').optional() })
  .loose();

export const VideoCampaignInput = z
  .object({
    videos: z.array(VideoRow).min(1).max(MAX_CAMPAIGN_VIDEOS),
    /** Fields every row gets unless it sets them itself (model, duration_seconds, fallback_models, ...). */
    defaults: z.record(z.string(), z.unknown()).optional(),
    /** How many videos generate at once. */
    concurrency: z.number().int().min(1).max(100).default(5),
    /** Stop starting videos once the estimated credits (catalog prices) would pass this. */
    max_credits: z.number().positive().optional(),
  })
  .strict();

export type VideoCampaignInput = z.input<typeof VideoCampaignInput>;

export interface CampaignRow {
  id: string;
  request: GenerateVideoInput;
}

/** The rows, each merged over the defaults and validated; or every problem, by row. */
export function campaignRows(
  input: z.output<typeof VideoCampaignInput>,
): { rows: CampaignRow[]; problems: string[] } {
  const rows: CampaignRow[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  input.videos.forEach((video, index) => {
    const { id = String(index + 1), ...fields } = video;
    if (seen.has(id)) problems.push(`row ${index + 1}: duplicate id "${id}"`);
    seen.add(id);
    const request = { ...input.defaults, ...fields } as GenerateVideoInput;
    const parsed = GenerateVideoRequest.safeParse(request);
    if (!parsed.success) problems.push(`row ${index + 1} (${id}): ${describeIssues(parsed.error)}`);
    rows.push({ id, request });
  });
  return { rows, problems };
}
