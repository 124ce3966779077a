import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
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

  async read(key: string, maxBytes: number): Promise<Buffer> {
    const path = this.path(key);
    const { size } = await stat(path);
    if (size > maxBytes) throw new ObjectTooLargeError(`${key} is ${size} bytes, over ${maxBytes}`);
    return readFile(path);
  }
}
