/**
 * What a running GenerateVideo shows outside: the UI's current details (no history events) and the
 * search attributes operators filter on, upserted only when a value changed and only where the
 * namespace has them (an unknown attribute would fail the workflow task).
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import {
  VideoCampaignIdKey,
  VideoCreditsEstimatedKey,
  VideoFailureTypeKey,
  VideoJobIdKey,
  VideoModelKey,
  VideoStatusKey,
  type VideoSearchValues,
} from '../search-attributes';
import type { VideoRun } from './video-run';

export function publish(run: VideoRun): void {
  setCurrentDetails(run.details());
  if (!run.state.search_attributes) return;
  const changes = run.takeSearchChanges();
  const updates: SearchAttributeUpdatePair[] = [];
  const add = <T extends SearchAttributeUpdatePair>(pair: T, value: unknown) =>
    value !== undefined && updates.push(pair);
  add({ key: VideoStatusKey, value: changes.VideoStatus ?? null }, changes.VideoStatus);
  add({ key: VideoModelKey, value: changes.VideoModel ?? null }, changes.VideoModel);
  add({ key: VideoJobIdKey, value: changes.VideoJobId ?? null }, changes.VideoJobId);
  add({ key: VideoCampaignIdKey, value: changes.VideoCampaignId ?? null }, changes.VideoCampaignId);
  add({ key: VideoCreditsEstimatedKey, value: changes.VideoCreditsEstimated ?? null }, changes.VideoCreditsEstimated);
  add({ key: VideoFailureTypeKey, value: changes.VideoFailureType ?? null }, changes.VideoFailureType);
  if (updates.length) upsertSearchAttributes(updates);
}

export type { VideoSearchValues };
