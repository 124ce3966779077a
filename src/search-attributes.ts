/**
 * The typed search attributes operators filter on in the Temporal UI and with `list`, e.g.
 * `VideoStatus="failed" AND VideoModel="veo-3-1"`. Pure definitions: workflows import this file.
 * They are upserted only when their value changes (a status, a model, a job id), never per poll.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const VideoStatusKey = defineSearchAttributeKey('VideoStatus', SearchAttributeType.KEYWORD);
export const VideoModelKey = defineSearchAttributeKey('VideoModel', SearchAttributeType.KEYWORD);
export const VideoJobIdKey = defineSearchAttributeKey('VideoJobId', SearchAttributeType.KEYWORD);
export const VideoCampaignIdKey = defineSearchAttributeKey('VideoCampaignId', SearchAttributeType.KEYWORD);
export const VideoCreditsEstimatedKey = defineSearchAttributeKey('VideoCreditsEstimated', SearchAttributeType.DOUBLE);
export const VideoFailureTypeKey = defineSearchAttributeKey('VideoFailureType', SearchAttributeType.KEYWORD);

/** Every key, for registering them on a namespace (dev server flags, `setup:search-attributes`). */
export const VIDEO_SEARCH_ATTRIBUTES = [
  VideoStatusKey,
  VideoModelKey,
  VideoJobIdKey,
  VideoCampaignIdKey,
  VideoCreditsEstimatedKey,
  VideoFailureTypeKey,
] as const;

/** The values a video shows; unset keys are left as they are. */
export interface VideoSearchValues {
  VideoStatus?: string;
  VideoModel?: string;
  VideoJobId?: string;
  VideoCampaignId?: string;
  VideoCreditsEstimated?: number;
  VideoFailureType?: string;
}
