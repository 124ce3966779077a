/**
 * The `VideoCampaign` input of version 2 (rows inline, in history), read only by campaigns started
 * before manifests (video-campaign-v2.ts). Today's format is input.ts.
 */
import { z } from 'zod';
import { describeIssues, invalidInput } from '../failures';
import { GenerateVideoRequest, type GenerateVideoInput } from '../request';

/** Rows travel in workflow history; past this, split the campaign (or page it from storage, not built). */
export const MAX_CAMPAIGN_VIDEOS = 2000;

const VideoRow = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, 'id: letters, digits, . _ - (at most 100)')
      .optional(),
  })
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
  /** What the row's GenerateVideo child is started with: the row over the defaults. */
  request: GenerateVideoInput;
  /** The same, normalised (for cost estimates). */
  parsed: GenerateVideoRequest;
}

/**
 * The campaign's settings and its rows, each merged over the defaults and validated; or an
 * InvalidInput failure naming the bad rows, so nothing starts when any row is wrong.
 */
export function parseCampaign(input: unknown): { config: z.output<typeof VideoCampaignInput>; rows: CampaignRow[] } {
  const parsedInput = VideoCampaignInput.safeParse(input);
  if (!parsedInput.success) throw invalidInput(`invalid VideoCampaign input: ${describeIssues(parsedInput.error)}`);
  const config = parsedInput.data;
  const rows: CampaignRow[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  config.videos.forEach((video, index) => {
    const { id = String(index + 1), ...fields } = video;
    if (seen.has(id)) problems.push(`row ${index + 1}: duplicate id "${id}"`);
    seen.add(id);
    const request = { ...config.defaults, ...fields } as GenerateVideoInput;
    const parsed = GenerateVideoRequest.safeParse(request);
    if (!parsed.success) problems.push(`row ${index + 1} (${id}): ${describeIssues(parsed.error)}`);
    else rows.push({ id, request, parsed: parsed.data });
  });
  if (problems.length) {
    const more = problems.length > 10 ? ` (and ${problems.length - 10} more)` : '';
    throw invalidInput(
      `${problems.length} invalid row(s), nothing was started: ${problems.slice(0, 10).join('; ')}${more}`,
    );
  }
  return { config, rows };
}
