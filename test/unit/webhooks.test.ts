/** Standard Webhooks signing and verification, without a network. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { loadWorkerConfig } from '../../src/config';
import {
  signWebhook,
  verifyWebhook,
  webhookKey,
  WebhookSecretError,
  WebhookVerificationError,
} from '../../src/operations/webhooks';

const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const body = JSON.stringify({ type: 'video.succeeded', timestamp: '2026-01-01T00:00:00Z', data: { workflow_id: 'w' } });
const NOW = 1_767_225_600_000;

describe('webhooks', () => {
  test('the signature is the standard one: v1, base64 HMAC-SHA256 of "id.timestamp.body" with the decoded key', () => {
    const headers = signWebhook(SECRET, 'msg_1', body, NOW);
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    const expected = createHmac('sha256', key)
      .update(`msg_1.${NOW / 1000}.${body}`)
      .digest('base64');
    assert.deepEqual(headers, {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(NOW / 1000),
      'webhook-signature': `v1,${expected}`,
    });
  });

  test('a genuine callback verifies; tampering, another secret, an old timestamp do not', () => {
    const headers = signWebhook(SECRET, 'msg_1', body, NOW);
    assert.equal(verifyWebhook(SECRET, { ...headers }, body, { now: NOW }).data.workflow_id, 'w');
    const rejects = (h: Record<string, string>, b: string, now = NOW, secret = SECRET) =>
      assert.throws(() => verifyWebhook(secret, h, b, { now }), WebhookVerificationError);
    rejects({ ...headers }, body.replace('"w"', '"x"'));
    rejects({ ...headers }, body, NOW, `whsec_${Buffer.from('another key of thirty-two bytes!').toString('base64')}`);
    rejects({ ...headers }, body, NOW + 10 * 60_000);
    rejects({ ...headers, 'webhook-id': 'msg_2' }, body);
    rejects({ 'webhook-id': 'msg_1' }, body);
  });

  test('several signatures (a key rotation): any valid one is enough', () => {
    const headers = signWebhook(SECRET, 'msg_1', body, NOW);
    const rotated = { ...headers, 'webhook-signature': `v1,bm90LWl0 ${headers['webhook-signature']}` };
    assert.doesNotThrow(() => verifyWebhook(SECRET, rotated, body, { now: NOW }));
  });

  test('a whsec_ secret decodes strictly, to at least 24 bytes, or nothing is signed or verified', () => {
    const headers = signWebhook(SECRET, 'msg_1', body, NOW);
    const bad = [
      'whsec_!!!!', // not base64: Node would decode it to an empty key
      'whsec_', // empty
      `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}!!`, // partly base64
      `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64url')}_-`, // another alphabet
      `whsec_${Buffer.from('only twenty-three bytes').toString('base64')}`, // 23 bytes
      'short plain secret',
    ];
    for (const secret of bad) {
      assert.throws(() => webhookKey(secret), WebhookSecretError, secret);
      assert.throws(() => signWebhook(secret, 'msg_1', body, NOW), WebhookSecretError, secret);
      assert.throws(() => verifyWebhook(secret, headers, body, { now: NOW }), WebhookSecretError, secret);
      assert.throws(() => loadWorkerConfig({ VIDEO_CALLBACK_SECRET: secret }), /VIDEO_CALLBACK_SECRET/, secret);
    }
    assert.equal(webhookKey(SECRET).length, 32);
    assert.equal(loadWorkerConfig({ VIDEO_CALLBACK_SECRET: SECRET }).VIDEO_CALLBACK_SECRET, SECRET);
  });

  test('property: any secret that signs has a key of 24+ bytes that re-encodes to the secret', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        for (const secret of [text, `whsec_${text}`]) {
          let key: Buffer;
          try {
            key = webhookKey(secret);
          } catch (error) {
            assert.ok(error instanceof WebhookSecretError);
            continue;
          }
          assert.ok(key.length >= 24);
          if (secret.startsWith('whsec_')) assert.equal(`whsec_${key.toString('base64')}`, secret);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('timestamps are plain whole seconds: hex, exponents, padding and fractions are refused', () => {
    for (const written of ['0x6553F100', '1.7e9', ' 1767225600', '1767225600 ', '+1767225600', '1767225600.0', '']) {
      const headers = { ...signWebhook(SECRET, 'msg_1', body, NOW), 'webhook-timestamp': written };
      // Signed over the written text, so only the timestamp rule can refuse it.
      const key = Buffer.from('0123456789abcdef0123456789abcdef');
      const sig = createHmac('sha256', key).update(`msg_1.${written}.${body}`).digest('base64');
      headers['webhook-signature'] = `v1,${sig}`;
      assert.throws(() => verifyWebhook(SECRET, headers, body, { now: NOW }), WebhookVerificationError, written);
    }
  });

  test('header names in any case are found', () => {
    const headers = signWebhook(SECRET, 'msg_1', body, NOW);
    const capitalised = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.replace(/(^|-)\w/g, (c) => c.toUpperCase()), value]),
    );
    assert.ok(Object.hasOwn(capitalised, 'Webhook-Signature'));
    assert.equal(verifyWebhook(SECRET, capitalised, body, { now: NOW }).data.workflow_id, 'w');
  });

  test('the replay guard refuses an id already received', () => {
    const received = new Set<string>();
    const seen = (id: string) => received.has(id) || (received.add(id), false);
    const headers = signWebhook(SECRET, 'msg_1', body, NOW);
    assert.doesNotThrow(() => verifyWebhook(SECRET, headers, body, { now: NOW, seen }));
    assert.throws(() => verifyWebhook(SECRET, headers, body, { now: NOW, seen }), /already received/);
  });
});
