/** Object keys from ids: one path segment that cannot climb, and never the same key for two ids. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { checkedKey, encodeKeySegment, objectKey } from '../../src/store/types';

/** The inverse of encodeKeySegment: that it exists is what makes the encoding injective. */
function decodeKeySegment(segment: string): string {
  return segment.replace(/%u([0-9a-f]{4})|%([0-9a-f]{2})/g, (_m, unit: string | undefined, byte: string | undefined) =>
    String.fromCharCode(parseInt(unit ?? byte!, 16)),
  );
}

/** Any UTF-16 string, lone surrogates and ASCII punctuation included. */
const anyId = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
const awkwardId = fc.string({
  unit: fc.constantFrom('a', '2', 'd', '%', 'u', '.', '/', ' ', '\u202d', '\ud800', '\udc00', '\u0000', 'é'),
  minLength: 1,
  maxLength: 12,
});

describe('objectKey', () => {
  test('the ids of the issue give different keys', () => {
    assert.notEqual(objectKey('a 2d', 'video.mp4'), objectKey('a\u202d', 'video.mp4'));
    assert.notEqual(objectKey('a\ud800', 'video.mp4'), objectKey('a\ufffd', 'video.mp4'));
  });

  test('plain ASCII ids keep the keys they always had', () => {
    assert.equal(objectKey('campaign-1/row 2', 'video.mp4'), 'campaign-1%2frow%202/video.mp4');
    assert.equal(objectKey('..', 'video.mp4'), '%2e./video.mp4');
  });

  test('property: the encoding decodes back to the id, so two ids never share a key', () => {
    for (const arbitrary of [anyId, awkwardId]) {
      fc.assert(
        fc.property(arbitrary, (id) => decodeKeySegment(encodeKeySegment(id)) === id),
        { numRuns: 2000 },
      );
      fc.assert(
        fc.property(arbitrary, arbitrary, (a, b) => a === b || objectKey(a, 'v') !== objectKey(b, 'v')),
        { numRuns: 2000 },
      );
    }
  });

  test('property: the key is one plain segment of safe characters that cannot climb', () => {
    fc.assert(
      fc.property(anyId, (id) => {
        const segment = encodeKeySegment(id);
        assert.match(segment, /^[A-Za-z0-9._=%-]+$/);
        assert.ok(!segment.startsWith('.'));
        assert.equal(checkedKey(objectKey(id, 'video.mp4')).split('/').length, 2);
      }),
      { numRuns: 2000 },
    );
  });
});
