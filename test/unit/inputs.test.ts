/** Input rules that refuse before anything is spent: images, budgets, store keys. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseGenerateVideoInput } from '../../src/request';
import { checkedKey, objectKey } from '../../src/store/types';

const refused = (input: Record<string, unknown>, pattern: RegExp) =>
  assert.throws(
    () => parseGenerateVideoInput({ prompt: 'p', ...input }),
    (e: Error & { type?: string }) => e.type === 'InvalidInput' && pattern.test(e.message),
  );

describe('GenerateVideo input', () => {
  test('image_base64 must be base64', () => {
    refused({ image_base64: 'not base64 at all!' }, /image_base64 is not base64/);
    refused({ image_base64: 'abc' }, /image_base64 is not base64/);
    refused({ image_base64: '' }, /image_base64 is not base64/);
    assert.ok(parseGenerateVideoInput({ prompt: 'p', image_base64: Buffer.from('hello image').toString('base64') }));
    assert.ok(parseGenerateVideoInput({ prompt: 'p', image_base64: 'aGVs\nbG8=' }), 'MIME line breaks are fine');
  });

  test('an idempotency_key must stay a file name once encoded (it names the stored video)', () => {
    assert.throws(() => parseGenerateVideoInput({ prompt: 'x', idempotency_key: 'ü'.repeat(100) }), /too long/);
    assert.throws(() => parseGenerateVideoInput({ prompt: 'x', idempotency_key: '#'.repeat(100) }), /too long/);
    assert.equal(
      parseGenerateVideoInput({ prompt: 'x', idempotency_key: 'order-'.repeat(30) }).idempotency_key?.length,
      180,
    );
  });

  test('max_credits is a non-negative number', () => {
    refused({ max_credits: -1 }, /max_credits/);
    assert.equal(parseGenerateVideoInput({ prompt: 'p', max_credits: 100 }).max_credits, 100);
  });
});

describe('store keys', () => {
  test('a workflow id becomes one segment that cannot climb', () => {
    for (const id of ['..', '.', '../../etc', 'a/../../b', '.hidden', '/abs']) {
      const key = objectKey(id, 'video.mp4');
      assert.equal(key.split('/').length, 2, key);
      assert.doesNotThrow(() => checkedKey(key), key);
      assert.ok(!key.startsWith('.'), key);
    }
    assert.equal(objectKey('order-1234', 'video.mp4'), 'order-1234/video.mp4');
  });

  test('keys that could leave the store are refused', () => {
    for (const key of ['../x', 'a/../../x', '/etc/passwd', 'a//b', 'a/./b', '', 'a\\..\\b']) {
      assert.throws(() => checkedKey(key), /not a plain relative path/, key);
    }
  });
});
