/**
 * Videos and thumbnails from the workers' store, to the signed-in browser: a folder store's file is
 * streamed (with byte ranges, which browsers use to play and seek), an S3 object is a redirect to a
 * short-lived presigned URL. Only objects a result names are served, never a key from the request.
 */
import type { Context } from 'hono';
import { Readable } from 'node:stream';
import type { VideoStore } from '../store/types';

const TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

/** The largest piece of a video one ranged answer carries. */
const RANGE_BYTES = 4 * 1024 * 1024;

const keyIn = (store: VideoStore, uri: string) => {
  try {
    return store.keyOf(uri);
  } catch {
    return undefined;
  }
};

/** Serve the stored object `uri` (of `bytes` bytes when known), or 404. */
export async function serveStored(c: Context, store: VideoStore, uri: string | undefined, bytes?: number) {
  const key = uri && keyIn(store, uri);
  if (!key) return c.text('404 not in the store', 404);
  if (store.kind === 's3' && store.shareableUrl) return c.redirect(await store.shareableUrl(key), 302);
  const type = TYPES[key.split('.').pop()!.toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string> = { 'content-type': type, 'cache-control': 'private, max-age=3600' };
  const range = /^bytes=(\d+)-(\d*)$/.exec(c.req.header('range') ?? '');
  if (range && bytes !== undefined) {
    const start = Number(range[1]);
    // At most RANGE_BYTES per answer (browsers ask again for the rest): a video is never held whole.
    const end = Math.min(range[2] ? Number(range[2]) : bytes - 1, bytes - 1, start + RANGE_BYTES - 1);
    if (start > end) return c.body(null, 416, { 'content-range': `bytes */${bytes}` });
    const chunk = await store.readRange(key, start, end - start + 1);
    return c.body(new Uint8Array(chunk), 206, {
      ...headers,
      'accept-ranges': 'bytes',
      'content-range': `bytes ${start}-${start + chunk.length - 1}/${bytes}`,
      'content-length': String(chunk.length),
    });
  }
  const stream = await store.open(key).catch(() => undefined);
  if (!stream) return c.text('404 not in the store', 404);
  return c.body(Readable.toWeb(stream) as ReadableStream, 200, {
    ...headers,
    ...(bytes !== undefined ? { 'accept-ranges': 'bytes', 'content-length': String(bytes) } : {}),
  });
}
