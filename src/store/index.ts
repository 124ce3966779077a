import { FolderStore } from './folder';
import { Readable } from 'node:stream';
import type { StoredObject, VideoStore } from './types';
import type * as S3 from './s3';

export * from './types';
export { FolderStore } from './folder';

/**
 * `VIDEO_STORE`: a folder path, or s3://bucket/prefix (AWS_* variables; AWS_ENDPOINT_URL_S3 for MinIO,
 * R2, GCS). Synchronous, so a worker plugin can be configured without waiting; the AWS SDK is loaded
 * only when an S3 store is asked for.
 */
export function createStore(spec: string): VideoStore {
  if (spec.startsWith('s3://')) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the AWS SDK only for S3 stores
    const { S3Store } = require('./s3') as typeof S3;
    return S3Store.fromUrl(spec);
  }
  return new FolderStore(spec);
}

/** A small text object (results parts, the gallery) written in one piece. */
export function putText(store: VideoStore, key: string, text: string, contentType: string): Promise<StoredObject> {
  return store.put(key, Readable.from([Buffer.from(text)]), { contentType });
}
