/**
 * The mirror activity: copy a finished job's videos (and thumbnail) into our store, and ask the
 * gateway to keep a copy of its own where configured.
 */
import { Context } from '@temporalio/activity';
import { fileURLToPath } from 'node:url';
import type { VideoGateway } from '../gateway/types';
import { METRIC } from '../operations/metrics';
import { objectKey, type VideoStore } from '../store/types';
import { classified } from './failures';
import { Limiter } from './limiter';
import { mirrorObject, type MirroredObject, THUMBNAIL_CONTENT, VIDEO_CONTENT } from './mirror';
import { DEFAULT_DOWNLOAD_POLICY, type DownloadPolicy } from './safe-download';
import type { MirrorInput, MirrorOutput, UpstreamCopy } from './types';

export interface MirrorDependencies {
  gateway: VideoGateway;
  store: VideoStore;
  download?: Partial<DownloadPolicy>;
  /** A gateway-side copy besides ours: infery pins the file, infrai keeps the job for N days (1-90). */
  upstreamCopy?: { pinFile?: boolean; retentionDays?: number };
  /** Mirrors this worker runs at once (`VIDEO_WORKER_MAX_MIRRORS`); the others wait, heartbeating. */
  maxConcurrentMirrors?: number;
}

export const DEFAULT_CONCURRENT_MIRRORS = 16;

export function createMirror(deps: MirrorDependencies) {
  const policy: DownloadPolicy = { ...DEFAULT_DOWNLOAD_POLICY, ...deps.download };
  const signal = () => Context.current().cancellationSignal;
  const mirrors = new Limiter(deps.maxConcurrentMirrors ?? DEFAULT_CONCURRENT_MIRRORS);

  /** Ask the gateway to keep its copy too. Best effort: our own copy is what the result promises. */
  async function upstreamCopy(jobId: string, video: MirroredObject): Promise<UpstreamCopy | undefined> {
    const { pinFile, retentionDays } = deps.upstreamCopy ?? {};
    if (!deps.gateway.keepCopy || (!pinFile && !retentionDays)) return undefined;
    try {
      return await deps.gateway.keepCopy(
        {
          job_id: jobId,
          local_path: pinFile && deps.store.kind === 'folder' ? fileURLToPath(video.uri) : undefined,
          content_type: video.content_type,
          retention_days: retentionDays,
          idempotency_key: `retention-${jobId}`,
        },
        { signal: signal() },
      );
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  /**
   * Mirror a finished job into the store under `owner` (a workflow id: a retry overwrites its own
   * objects, never another video's), at most `maxConcurrentMirrors` at once. `beat` heartbeats while
   * the mirror waits for a place and as bytes arrive; by default the mirror's own progress.
   */
  function mirrorFor(owner: string, input: MirrorInput, beat?: () => void): Promise<MirrorOutput> {
    const context = Context.current();
    const waiting = beat ?? (() => context.heartbeat({ waiting_for: 'a mirror place' }));
    return mirrors.run(() => mirror(owner, input, beat), { signal: signal(), waiting });
  }

  return {
    mirrorFor,
    activities: {
      mirrorVideo: classified((input: MirrorInput): Promise<MirrorOutput> => {
        const { workflowExecution, activityId } = Context.current().info;
        return mirrorFor(workflowExecution?.workflowId ?? `activity-${activityId}`, input);
      }),
    },
  };

  /** Copy a finished job's videos, then its thumbnail (best effort), into the store. */
  async function mirror(owner: string, input: MirrorInput, beat?: () => void): Promise<MirrorOutput> {
    const key = (file: string) => objectKey(owner, file);
    // The first video may be re-issued by the gateway when its signed URL expired.
    const refreshUrl = deps.gateway.freshDownloadUrl
      ? () => deps.gateway.freshDownloadUrl!(input.job_id, { signal: signal() })
      : undefined;
    const sources = input.videos?.length
      ? input.videos
      : [{ url: input.video_url, thumbnail_url: input.thumbnail_url }];
    const started = Date.now();
    const videos: MirroredObject[] = [];
    for (const [index, source] of sources.entries()) {
      const name = index === 0 ? 'video.mp4' : `video-${index + 1}.mp4`;
      videos.push(
        await mirrorObject(
          {
            url: source.url,
            key: key(name),
            expect: VIDEO_CONTENT,
            refreshUrl: index === 0 ? refreshUrl : undefined,
          },
          deps.store,
          policy,
          beat,
        ),
      );
    }
    const { metricMeter } = Context.current();
    metricMeter.createCounter(METRIC.mirrorBytes, 'By').add(videos.reduce((sum, v) => sum + v.bytes, 0));
    metricMeter.createHistogram(METRIC.mirrorDuration, 'int', 'ms').record(Date.now() - started);
    const output: MirrorOutput = { video: videos[0], upstream_copy: await upstreamCopy(input.job_id, videos[0]) };
    if (videos.length > 1) output.videos = videos;
    const thumbnailUrl = input.thumbnail_url ?? sources[0].thumbnail_url;
    if (thumbnailUrl) {
      try {
        output.thumbnail = await mirrorObject(
          { url: thumbnailUrl, key: key('thumbnail'), expect: THUMBNAIL_CONTENT },
          deps.store,
          policy,
          beat,
        );
      } catch (error) {
        if (signal().aborted) throw error;
        output.thumbnail_error = (error as Error).message;
      }
    }
    return output;
  }
}
