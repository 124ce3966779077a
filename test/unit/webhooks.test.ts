/** Standard Webhooks signing and verification, without a network. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { signWebhook, verifyWebhook, WebhookVerificationError } from '../../src/operations/webhooks';

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
    rejects({ ...headers }, body, NOW, 'whsec_b3RoZXI=');
    rejects({ ...headers }, body, NOW + 10 * 60_000);
    rejects({ ...headers, 'webhook-id': 'msg_2' }, body);
    rejects({ 'webhook-id': 'msg_1' }, body);
  });

  test('several signatures (a key rotation): any valid one is enough', () => {
    const headers = signWebhook(SECRET, 'msg_1', body, NOW);
    const rotated = { ...headers, 'webhook-signature': `v1,bm90LWl0 ${headers['webhook-signature']}` };
    assert.doesNotThrow(() => verifyWebhook(SECRET, rotated, body, { now: NOW }));
  });
});
