import { FolderStore } from './folder';
import { Readable } from 'node:stream';
import type { StoredObject, VideoStore } from './types';

export * from './types';
export { FolderStore } from './folder';

/** `VIDEO_STORE`: a folder path, or s3://bucket/prefix (AWS_* variables; AWS_ENDPOINT_URL_S3 for MinIO, R2, GCS). */
export async function createStore(spec: string): Promise<VideoStore> {
  if (spec.startsWith('s3://')) {
    const { S3Store } = await import('./s3');
    return S3Store.fromUrl(spec);
  }
  return new FolderStore(spec);
}

/** A small text object (results parts, the gallery) written in one piece. */
export function putText(store: VideoStore, key: string, text: string, contentType: string): Promise<StoredObject> {
  return store.put(key, Readable.from([Buffer.from(text)]), { contentType });
}
