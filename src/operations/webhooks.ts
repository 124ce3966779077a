/**
 * Completion callbacks in the Standard Webhooks format (standardwebhooks.com): headers `webhook-id`,
 * `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`).
 * `signWebhook` is what the worker sends; `verifyWebhook` is for receivers, so a backend can check
 * that a callback came from our workers and is not a replay.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a callback body carries: the event and the workflow's result or failure. */
export interface VideoWebhookEvent {
  type: 'video.succeeded' | 'video.failed' | 'video.cancelled';
  /** ISO time of the event. */
  timestamp: string;
  data: {
    workflow_id: string;
    status: 'succeeded' | 'failed' | 'cancelled' | 'timed_out';
    /** The VideoResult, on success. */
    result?: unknown;
    /** The failure, otherwise: its contract type and message. */
    failure?: { type: string; message: string };
  };
}

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The signing key: a `whsec_` secret is base64 after its prefix (the standard); any other string is its bytes. */
function signingKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
}

function signature(secret: string, id: string, timestamp: string, body: string): string {
  return createHmac('sha256', signingKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** Headers for one delivery; the same `id` on every retry, so receivers can drop duplicates. */
export function signWebhook(secret: string, id: string, body: string, now = Date.now()): WebhookHeaders {
  const timestamp = String(Math.floor(now / 1000));
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${signature(secret, id, timestamp, body)}`,
  };
}

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

/**
 * Check a received callback: the signature (any of the space-separated `v1,` entries, compared in
 * constant time) and a timestamp within `toleranceSeconds` of now. Returns the parsed event.
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): VideoWebhookEvent {
  const header = (name: string) => {
    const value = headers[name] ?? headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
  const id = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('missing webhook headers');
  const age = Math.abs((options.now ?? Date.now()) / 1000 - Number(timestamp));
  if (!Number.isFinite(age) || age > (options.toleranceSeconds ?? 300)) {
    throw new WebhookVerificationError('webhook timestamp outside the tolerance');
  }
  const expected = Buffer.from(signature(secret, id, timestamp, body));
  const matches = signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    const given = Buffer.from(value ?? '');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookVerificationError('no valid webhook signature');
  return JSON.parse(body) as VideoWebhookEvent;
}
