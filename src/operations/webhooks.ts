/**
 * Completion callbacks in the Standard Webhooks format (standardwebhooks.com): headers `webhook-id`,
 * `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`).
 * `signWebhook` is what the worker sends; `verifyWebhook` is for receivers, so a backend can check
 * that a callback came from our workers, recently (docs/security.md says what it does not check).
 * Our own code rather than the `standardwebhooks` package: that one accepts keys of any length and
 * reads timestamps with parseInt ("1700000000abc" passes), the two holes this file closes.
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

/** A type, not an interface, so it can be passed where any header record is taken (verifyWebhook). */
export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** The shortest HMAC key accepted, in bytes: shorter keys are guessable, and the standard's are 24-64. */
export const MIN_WEBHOOK_KEY_BYTES = 24;

/** A secret that cannot sign: not strict base64 after `whsec_`, or a key shorter than 24 bytes. */
export class WebhookSecretError extends Error {
  override readonly name = 'WebhookSecretError';
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The signing key: a `whsec_` secret is standard base64 after its prefix (the standard), decoded
 * strictly (Node's decoder skips what it cannot read, so `whsec_!!!` would be an empty key that anyone
 * can sign with); any other string is its UTF-8 bytes. Either way at least 24 bytes, or it throws.
 */
export function webhookKey(secret: string): Buffer {
  let key: Buffer;
  if (secret.startsWith('whsec_')) {
    const encoded = secret.slice(6);
    if (!STRICT_BASE64.test(encoded)) throw new WebhookSecretError('a whsec_ secret must be standard, padded base64');
    key = Buffer.from(encoded, 'base64');
  } else key = Buffer.from(secret, 'utf8');
  if (key.length < MIN_WEBHOOK_KEY_BYTES) {
    throw new WebhookSecretError(
      `the webhook key is ${key.length} bytes; at least ${MIN_WEBHOOK_KEY_BYTES} are needed`,
    );
  }
  return key;
}

/** Why a secret cannot sign, or undefined when it can (for configuration checks). */
export function webhookSecretProblem(secret: string): string | undefined {
  try {
    webhookKey(secret);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function signature(key: Buffer, id: string, timestamp: string, body: string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** Headers for one delivery; the same `id` on every retry, so receivers can drop duplicates. */
export function signWebhook(secret: string, id: string, body: string, now = Date.now()): WebhookHeaders {
  const timestamp = String(Math.floor(now / 1000));
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${signature(webhookKey(secret), id, timestamp, body)}`,
  };
}

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

export interface VerifyOptions {
  /** How far the timestamp may be from now, either way (seconds; default 300). */
  toleranceSeconds?: number;
  now?: number;
  /**
   * The replay guard: return true when a callback with this `webhook-id` was already accepted (keep
   * ids for at least twice the tolerance). Without it, a captured callback verifies again within the
   * tolerance: deduplicate by `webhook-id` yourself. Our worker retries with the same id on purpose.
   */
  seen?: (id: string) => boolean;
}

/** A header by name, whatever its case (Node lower-cases, other frameworks keep what was sent). */
function headerOf(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/**
 * Check a received callback. What it checks, exactly: the three headers are present (any case); the
 * timestamp is a plain integer of seconds within `toleranceSeconds` of now; one of the space-separated
 * `v1,` signatures is the HMAC-SHA256 of "id.timestamp.body" under the key (compared in constant
 * time); and, when `seen` is given, the id is new. Returns the parsed event.
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  options: VerifyOptions = {},
): VideoWebhookEvent {
  const key = webhookKey(secret);
  const id = headerOf(headers, 'webhook-id');
  const timestamp = headerOf(headers, 'webhook-timestamp');
  const signatures = headerOf(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('missing webhook headers');
  if (!/^[0-9]{1,12}$/.test(timestamp)) throw new WebhookVerificationError('webhook timestamp is not whole seconds');
  const age = Math.abs((options.now ?? Date.now()) / 1000 - Number(timestamp));
  if (age > (options.toleranceSeconds ?? 300)) {
    throw new WebhookVerificationError('webhook timestamp outside the tolerance');
  }
  const expected = Buffer.from(signature(key, id, timestamp, body));
  const matches = signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    const given = Buffer.from(value ?? '');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookVerificationError('no valid webhook signature');
  if (options.seen?.(id)) throw new WebhookVerificationError(`webhook ${id} was already received`);
  return JSON.parse(body) as VideoWebhookEvent;
}
