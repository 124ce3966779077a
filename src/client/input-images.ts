/**
 * Inline images leave the workflow input before it starts: the client stores the bytes in the
 * workers' store under a content-addressed key (inputs/<sha256>.<ext>) and sends only the key, so
 * megabytes of base64 never enter workflow history.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { invalidInput } from '../failures';
import { isBase64, type GenerateVideoInput } from '../request';
import { MAX_INPUT_IMAGE_BYTES, type VideoStore } from '../store/types';

/** File extension, magic-number test and Content-Type of each image kind gateways accept. */
const IMAGE_TYPES: [string, (b: Buffer) => boolean, string][] = [
  ['png', (b) => b.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47])), 'image/png'],
  ['jpg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff, 'image/jpeg'],
  [
    'webp',
    (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
    'image/webp',
  ],
  ['gif', (b) => b.subarray(0, 4).toString('latin1') === 'GIF8', 'image/gif'],
];

/** The kind of image these bytes are, or undefined when they are none we accept. */
export function detectImageType(bytes: Buffer): { extension: string; contentType: string } | undefined {
  const found = IMAGE_TYPES.find(([, test]) => test(bytes));
  return found && { extension: found[0], contentType: found[2] };
}

/** The input with its inline image (if any) moved into the store and named by key instead. */
export async function storeInlineImage(input: GenerateVideoInput, store: VideoStore): Promise<GenerateVideoInput> {
  if (!input.image_base64) return input;
  if (!isBase64(input.image_base64))
    throw invalidInput('image_base64 is not base64 (RFC 4648, standard alphabet, padded)');
  const bytes = Buffer.from(input.image_base64, 'base64');
  if (bytes.length > MAX_INPUT_IMAGE_BYTES) {
    throw invalidInput(`image_base64 is ${bytes.length} bytes; the limit is ${MAX_INPUT_IMAGE_BYTES}`);
  }
  const type = detectImageType(bytes);
  if (!type) throw invalidInput('image_base64 is not a PNG, JPEG, WebP or GIF image');
  const key = `inputs/${createHash('sha256').update(bytes).digest('hex')}.${type.extension}`;
  await store.put(key, Readable.from([bytes]), { contentType: type.contentType });
  const { image_base64: _inline, ...rest } = input;
  return { ...rest, image_ref: key };
}
