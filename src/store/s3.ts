/**
 * S3-compatible object storage (AWS S3, MinIO, R2, GCS interoperability) through the AWS SDK v3.
 * Credentials, region and endpoint come from the standard AWS_* variables (AWS_ENDPOINT_URL_S3 for a
 * non-AWS endpoint); VIDEO_S3_FORCE_PATH_STYLE=1 for servers without virtual-host buckets.
 * Uploads are multipart and complete only when the whole body arrived: an erroring body aborts them.
 */
import { GetObjectCommand, paginateListObjectsV2, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Readable } from 'node:stream';
import { checkedKey, ObjectTooLargeError, type PutOptions, type StoredObject, type VideoStore } from './types';

export interface S3StoreOptions {
  bucket: string;
  prefix?: string;
  /** Lifetime of the presigned GET URL in results; 7 days is S3's maximum. */
  urlTtlSeconds?: number;
  partSizeBytes?: number;
}

export class S3Store implements VideoStore {
  readonly kind = 's3' as const;
  private readonly prefix: string;

  constructor(
    readonly client: S3Client,
    private readonly options: S3StoreOptions,
  ) {
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
  }

  static fromUrl(url: string, config: S3ClientConfig = {}, env: NodeJS.ProcessEnv = process.env): S3Store {
    const parsed = new URL(url);
    const forcePathStyle = ['1', 'true', 'yes'].includes(env.VIDEO_S3_FORCE_PATH_STYLE ?? '');
    const client = new S3Client({ forcePathStyle, ...config });
    return new S3Store(client, { bucket: parsed.hostname, prefix: decodeURIComponent(parsed.pathname) });
  }

  private fullKey(key: string): string {
    if (key) checkedKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  describe(key: string): string {
    return `s3://${this.options.bucket}/${this.fullKey(key)}`;
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<StoredObject> {
    const Key = this.fullKey(key);
    let bytes = 0;
    body.on('data', (chunk: Buffer) => (bytes += chunk.length));
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.options.bucket, Key, Body: body, ContentType: options.contentType },
      partSize: this.options.partSizeBytes ?? 8 * 1024 * 1024,
      queueSize: 2,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    // An erroring body must fail the upload even where the SDK would wait for more data.
    const failed = new Promise<never>((_, reject) => body.once('error', reject));
    try {
      await Promise.race([upload.done(), failed]);
    } catch (error) {
      await upload.abort().catch(() => undefined);
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', abort);
    }
    return { uri: this.describe(key), url: await this.shareableUrl(key), bytes };
  }

  /** A presigned GET URL (7 days unless configured otherwise). */
  shareableUrl(key: string): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.options.bucket, Key: this.fullKey(key) }), {
      expiresIn: this.options.urlTtlSeconds ?? 7 * 24 * 3600,
    });
  }

  async open(key: string): Promise<Readable> {
    const object = await this.client.send(
      new GetObjectCommand({ Bucket: this.options.bucket, Key: this.fullKey(key) }),
    );
    return object.Body as Readable;
  }

  async readRange(key: string, offset: number, length: number): Promise<Buffer> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({
          Bucket: this.options.bucket,
          Key: this.fullKey(key),
          Range: `bytes=${offset}-${offset + length - 1}`,
        }),
      );
      return Buffer.from(await object.Body!.transformToByteArray());
    } catch (error) {
      // A range that starts at or past the end: nothing left to read.
      if ((error as { name?: string }).name === 'InvalidRange') return Buffer.alloc(0);
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    for await (const page of paginateListObjectsV2(
      { client: this.client },
      { Bucket: this.options.bucket, Prefix: this.fullKey(prefix.replace(/\/+$/, '')) + '/' },
    )) {
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key.slice(strip));
    }
    return keys.sort();
  }

  keyOf(uri: string): string | undefined {
    if (!uri.startsWith('s3://')) return checkedKey(uri);
    const base = this.describe('');
    const root = base.endsWith('/') ? base : `${base}/`;
    return uri.startsWith(root) ? checkedKey(uri.slice(root.length)) : undefined;
  }

  async read(key: string, maxBytes: number): Promise<Buffer> {
    const object = await this.client.send(
      new GetObjectCommand({ Bucket: this.options.bucket, Key: this.fullKey(key) }),
    );
    if ((object.ContentLength ?? 0) > maxBytes) {
      object.Body?.transformToWebStream().cancel();
      throw new ObjectTooLargeError(`${key} is ${object.ContentLength} bytes, over ${maxBytes}`);
    }
    return Buffer.from(await object.Body!.transformToByteArray());
  }
}
