/**
 * Mirror a finished video into our store: streamed (never held in memory), heartbeating bytes done,
 * checked (status, Content-Type, Content-Length, the gateway's digest when it sends one), hashed with
 * sha256, and written atomically. A bad download fails the attempt and leaves nothing behind.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { pipeline, Transform } from 'node:stream';
import type { StoredObject, VideoStore } from '../store/types';
import { mirrorFailed } from './failures';
import { DownloadHttpError, redactQuery, safeGet, UnsafeUrlError, type DownloadPolicy } from './safe-download';

export interface MirroredObject extends StoredObject {
  sha256: string;
  content_type: string;
}

export interface MirrorSource {
  url: string;
  key: string;
  /** The Content-Types the body may have (VIDEO_CONTENT, THUMBNAIL_CONTENT). */
  expect: ContentRule;
  /** Asked for a fresh URL once when the first answers 403/404/410 (an expired signed URL). */
  refreshUrl?: () => Promise<string | undefined>;
}

export interface ContentRule {
  /** What the rule allows, for messages. */
  name: string;
  accepts(contentType: string): boolean;
}

export const VIDEO_CONTENT: ContentRule = { name: 'video/*', accepts: (type) => type.startsWith('video/') };

/**
 * Thumbnails are served from our own bucket to browsers (the gallery, a service's pages): raster
 * images only. An `image/svg+xml` can carry script that would run with the bucket's origin.
 */
export const RASTER_IMAGE_TYPES: readonly string[] = [
  'image/png',
  'image/jpeg',
  'image/jpg',
  'image/webp',
  'image/gif',
  'image/avif',
];
export const THUMBNAIL_CONTENT: ContentRule = {
  name: RASTER_IMAGE_TYPES.join(', '),
  accepts: (type) => RASTER_IMAGE_TYPES.includes(type),
};

const EXPIRED_STATUSES = new Set([401, 403, 404, 410]);

/** sha-256 from `Repr-Digest: sha-256=:BASE64:` (RFC 9530) or the older `Digest: SHA-256=BASE64`. */
function announcedSha256(headers: Record<string, string | string[] | undefined>): string | undefined {
  const text = [headers['repr-digest'], headers['digest']].flat().filter(Boolean).join(',');
  const match = /sha-256=:?([A-Za-z0-9+/=]+):?/i.exec(text);
  return match ? Buffer.from(match[1], 'base64').toString('hex') : undefined;
}

/** What a mirror heartbeats as bytes arrive; an activity with details of its own passes its own. */
export type MirrorProgress = (progress: { key: string; bytes: number }) => void;

export async function mirrorObject(
  source: MirrorSource,
  store: VideoStore,
  policy: DownloadPolicy,
  progress: MirrorProgress = (details) => Context.current().heartbeat(details),
): Promise<MirroredObject> {
  const context = Context.current();
  const signal = context.cancellationSignal;
  let response;
  try {
    try {
      response = await safeGet(source.url, policy, signal);
    } catch (error) {
      const fresh =
        error instanceof DownloadHttpError && EXPIRED_STATUSES.has(error.status) && (await source.refreshUrl?.());
      if (!fresh) throw error;
      context.log.info('Video URL refused; retrying with a fresh download URL', {
        status: (error as DownloadHttpError).status,
      });
      response = await safeGet(fresh, policy, signal);
    }
  } catch (error) {
    if (error instanceof UnsafeUrlError) throw mirrorFailed(error.message, { final: true });
    if (error instanceof DownloadHttpError) throw mirrorFailed(error.message);
    throw error;
  }

  const contentType = String(response.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (!source.expect.accepts(contentType)) {
    response.destroy();
    throw mirrorFailed(`${redactQuery(source.url)} has Content-Type "${contentType}", expected ${source.expect.name}`);
  }
  const lengthHeader = response.headers['content-length'];
  const expectedBytes = lengthHeader === undefined ? undefined : Number(lengthHeader);
  if (expectedBytes !== undefined && expectedBytes > policy.maxBytes) {
    response.destroy();
    throw mirrorFailed(`${redactQuery(source.url)} is ${expectedBytes} bytes, over the ${policy.maxBytes} byte limit`, {
      final: true,
    });
  }
  const expectedSha = announcedSha256(response.headers);

  const hash = createHash('sha256');
  let bytes = 0;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > policy.maxBytes)
        return done(mirrorFailed(`download exceeded ${policy.maxBytes} bytes`, { final: true }));
      hash.update(chunk);
      progress({ key: source.key, bytes });
      done(null, chunk);
    },
    flush(done) {
      if (expectedBytes !== undefined && bytes !== expectedBytes) {
        return done(mirrorFailed(`truncated download: ${bytes} of ${expectedBytes} bytes`));
      }
      if (expectedSha && hash.copy().digest('hex') !== expectedSha) {
        return done(mirrorFailed(`checksum mismatch: the body's sha256 differs from the one the server announced`));
      }
      done();
    },
  });
  pipeline(response, check, () => undefined); // errors reach the store through `check`
  let stored: StoredObject;
  try {
    stored = await store.put(source.key, check, { contentType, signal });
  } catch (error) {
    if (error instanceof ApplicationFailure) throw error;
    if (signal.aborted) throw error;
    throw mirrorFailed(`download of ${redactQuery(source.url)} failed: ${(error as Error).message}`);
  }
  return { ...stored, bytes, sha256: hash.digest('hex'), content_type: contentType };
}
