import type { Readable } from 'node:stream';

/** Where a mirrored object ended up. */
export interface StoredObject {
  /** Stable identifier: file:///abs/path or s3://bucket/key. */
  uri: string;
  /** Where a person or program can fetch it now (for S3, a presigned GET URL). */
  url: string;
  bytes: number;
}

export interface PutOptions {
  contentType: string;
  signal?: AbortSignal;
}

/**
 * Object storage for mirrored videos. `put` is atomic: the object appears under `key` only when the
 * whole body arrived; a body stream that errors (truncated, too large, wrong checksum) leaves nothing.
 */
export interface VideoStore {
  readonly kind: 'folder' | 's3';
  put(key: string, body: Readable, options: PutOptions): Promise<StoredObject>;
  /** Where an object would be, without touching it. */
  describe(key: string): string;
  /** A small object's bytes (input images); refuses anything over `maxBytes`. */
  read(key: string, maxBytes: number): Promise<Buffer>;
  /** A URL a remote service can fetch the object from, where the store can issue one (S3 presigning). */
  shareableUrl?(key: string): Promise<string>;
  /** The whole object as a stream (campaign manifests, which may be large). */
  open(key: string): Promise<Readable>;
  /** Up to `length` bytes from `offset` (fewer at the end of the object, none past it). */
  readRange(key: string, offset: number, length: number): Promise<Buffer>;
  /** Every key under `prefix` (a folder-like prefix ending in `/`), sorted. */
  list(prefix: string): Promise<string[]>;
  /** The key of an object named by its URI in this store (`describe(key)` gives the URI), or undefined. */
  keyOf(uri: string): string | undefined;
}

/**
 * Input images are kept out of workflow history under content-addressed keys; only keys of this
 * shape may be read back by activities, so a workflow input cannot name an arbitrary file.
 */
export const INPUT_IMAGE_KEY = /^inputs\/[a-f0-9]{64}\.(png|jpg|webp|gif)$/;
export const MAX_INPUT_IMAGE_BYTES = 20 * 1024 * 1024;

export class ObjectTooLargeError extends Error {
  override readonly name = 'ObjectTooLargeError';
}

/**
 * Object keys from workflow ids: a retry overwrites its own object and never another video's. The id
 * becomes one path segment that cannot climb, and no two ids give the same segment (the encoding is
 * injective; test/unit/object-key.test.ts decodes it back): letters, digits and `._=-` stay, other
 * ASCII becomes `%hh`, every other UTF-16 unit `%uhhhh` (a lone surrogate too, which UTF-8 could not
 * carry), and a leading dot `%2e` (which rules out `.` and `..`). `%` itself is always escaped.
 */
export function objectKey(workflowId: string, file: string): string {
  return `${encodeKeySegment(workflowId)}/${file}`;
}

/**
 * The longest id segment we write: file systems take 255 bytes a name, and a campaign's row ids add
 * to its id (`<campaign id>/<row id>/attempt-<n>/mirror` is one segment). Inputs are held to it where
 * they are checked (idempotency_key, campaign ids).
 */
export const MAX_KEY_SEGMENT = 200;

/** Whether an id stays a file name everywhere once encoded (MAX_KEY_SEGMENT), with `reserve` to spare. */
export function fitsKeySegment(id: string, reserve = 0): boolean {
  return encodeKeySegment(id).length <= MAX_KEY_SEGMENT - reserve;
}

const hex = (code: number, digits: number) => code.toString(16).padStart(digits, '0');

export function encodeKeySegment(id: string): string {
  const encode = (c: string) => {
    const code = c.charCodeAt(0);
    return code < 0x80 ? `%${hex(code, 2)}` : `%u${hex(code, 4)}`;
  };
  // No `u` flag: the pattern matches one UTF-16 unit at a time, so a lone surrogate is one unit like any other.
  return id.replace(/[^A-Za-z0-9._=-]/g, encode).replace(/^\./, encode);
}

/** Thrown for a key that would leave the store (`..` segments, absolute paths). */
export class UnsafeKeyError extends Error {
  override readonly name = 'UnsafeKeyError';
}

/** A key as path segments, refusing anything that could name a place outside the store. */
export function checkedKey(key: string): string {
  const segments = key.split('/');
  if (!key || key.startsWith('/') || key.includes('\\') || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new UnsafeKeyError(`object key "${key}" is not a plain relative path`);
  }
  return key;
}
