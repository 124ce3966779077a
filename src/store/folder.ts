import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkedKey, ObjectTooLargeError, type PutOptions, type StoredObject, type VideoStore } from './types';

/** A folder on disk; writes go to a temporary name and are renamed into place when complete. */
export class FolderStore implements VideoStore {
  readonly kind = 'folder' as const;
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The file for a key; every key stays inside the root. */
  private path(key: string): string {
    return join(this.root, checkedKey(key));
  }

  describe(key: string): string {
    return key ? pathToFileURL(this.path(key)).href : pathToFileURL(this.root).href;
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<StoredObject> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const temporary = `${target}.${randomBytes(6).toString('hex')}.partial`;
    let bytes = 0;
    body.on('data', (chunk: Buffer) => (bytes += chunk.length));
    try {
      await pipeline(body, createWriteStream(temporary), { signal: options.signal });
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    const uri = pathToFileURL(target).href;
    return { uri, url: uri, bytes };
  }

  async open(key: string): Promise<Readable> {
    const path = this.path(key);
    await stat(path); // a missing object fails here, not on the first read
    return createReadStream(path);
  }

  async readRange(key: string, offset: number, length: number): Promise<Buffer> {
    const file = await open(this.path(key), 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }

  async list(prefix: string): Promise<string[]> {
    const folder = this.path(prefix.replace(/\/+$/, ''));
    const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch((error) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    });
    return (
      entries
        .filter((e) => e.isFile() && !e.name.endsWith('.partial'))
        // `parentPath` from Node 20.12; `path` before it.
        .map((e) =>
          relative(this.root, join(e.parentPath ?? e.path, e.name))
            .split(sep)
            .join('/'),
        )
        .sort()
    );
  }

  /** A key, a file:// URI or an absolute path inside the folder. */
  keyOf(uri: string): string | undefined {
    if (!uri.startsWith('file:') && !isAbsolute(uri)) return checkedKey(uri);
    const path = uri.startsWith('file:') ? fileURLToPath(uri) : uri;
    const key = relative(this.root, path);
    if (!key || key.startsWith('..') || isAbsolute(key)) return undefined;
    return checkedKey(key.split(sep).join('/'));
  }

  async read(key: string, maxBytes: number): Promise<Buffer> {
    const path = this.path(key);
    const { size } = await stat(path);
    if (size > maxBytes) throw new ObjectTooLargeError(`${key} is ${size} bytes, over ${maxBytes}`);
    return readFile(path);
  }
}
