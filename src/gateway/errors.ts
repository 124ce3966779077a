/**
 * The one place that decides what a gateway failure means. Every HTTP status, network error and
 * unreadable body becomes a GatewayError carrying a contract failure type and whether a retry can help;
 * activities turn it into an ApplicationFailure (activities/failures.ts) so Temporal's retry policy
 * does the retrying.
 */
import { FailureType } from '../contract';

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly type: FailureType,
    message: string,
    readonly details: {
      retryable: boolean;
      status?: number;
      code?: string;
      retryAfterMs?: number;
    },
  ) {
    super(message);
  }
}

/**
 * Safety is decided from the gateway's structured code first, and from wording only where that
 * wording is specific to content policy. Words such as "refused" or "rejected" alone say nothing
 * about safety ("connection refused"), and a SafetyRefusal is final (no retry, no fallback), so a
 * look-alike must never match.
 */
const SAFETY_CODE =
  /safety|content[_ -]?(policy|filter|moderation)|moderation|nsfw|prohibited[_ -]?content|policy[_ -]?violation|responsible[_ -]?ai/i;
const SAFETY_PHRASES = [
  /\b(safety|content|moderation|usage)[ _-](system|filters?|polic(y|ies)|checks?|guidelines?|reasons?|violations?|classifiers?)\b/i,
  /\bviolat\w*\b[^.]{0,40}\bpolic(y|ies)\b/i,
  /\b(nsfw|prohibited content|inappropriate content|explicit content)\b/i,
  /\b(rejected|refused|blocked|flagged)\b[^.]{0,30}\b(moderation|moderator|safety|content polic(y|ies))\b/i,
];

/** True when a gateway's code or message says the request was refused on content-policy grounds. */
export function isSafetyRefusal(code: string | undefined, message: string | undefined): boolean {
  if (code && SAFETY_CODE.test(code)) return true;
  return !!message && SAFETY_PHRASES.some((phrase) => phrase.test(message));
}
const EXCERPT_CHARS = 300;

/** A short, single-line piece of a body for error messages, with any secret blanked out. */
export function excerpt(body: string, secrets: readonly string[] = []): string {
  let text = body.replace(/\s+/g, ' ').trim();
  for (const secret of secrets) if (secret) text = text.split(secret).join('[redacted]');
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function errorCode(body: string): { code?: string; message?: string } {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === 'object') {
      const root = parsed as Record<string, unknown>;
      const inner = (typeof root.error === 'object' && root.error ? root.error : root) as Record<string, unknown>;
      const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
      return {
        code: str(inner.code) ?? str(inner.type) ?? str(root.code),
        message: str(inner.message) ?? str(root.message) ?? str(root.error),
      };
    }
  } catch {
    // not JSON: the excerpt says enough
  }
  return {};
}

export function classifyHttpError(
  status: number,
  body: string,
  retryAfter: string | null,
  context: { operation: string; secrets?: readonly string[] },
): GatewayError {
  const { code, message } = errorCode(body);
  const said = excerpt(message ?? body, context.secrets);
  const base = `${context.operation}: HTTP ${status}${code ? ` ${code}` : ''}${said ? `: ${said}` : ''}`;
  const { type, retryable, note } = classifyStatus(status, code, message ?? body);
  return new GatewayError(type, note ? `${base} (${note})` : base, {
    retryable,
    status,
    code,
    // Retry-After counts only where a retry is made.
    ...(retryable ? { retryAfterMs: parseRetryAfter(retryAfter) } : {}),
  });
}

/** What an HTTP status (with the gateway's code and words) means: the table every answer goes through. */
function classifyStatus(
  status: number,
  code: string | undefined,
  said: string,
): { type: FailureType; retryable: boolean; note?: string } {
  if (status === 401 || status === 403) {
    return {
      type: FailureType.Unauthorized,
      retryable: false,
      note: 'the gateway refused the API key: check VIDEO_API_KEY',
    };
  }
  if (status === 402) return { type: FailureType.InsufficientCredit, retryable: false };
  if (status === 429) return { type: FailureType.QuotaExceeded, retryable: true };
  // 409: the idempotency key is in use (a first try still running, or done): the job may exist, so the
  // same request is retried with the same key, never dropped as bad input.
  if (status === 409) return { type: FailureType.ProviderFailed, retryable: true, note: 'idempotency key in use' };
  const refused = status >= 400 && status < 500 && status !== 408;
  if (refused && isSafetyRefusal(code, said)) return { type: FailureType.SafetyRefusal, retryable: false };
  if (refused) return { type: FailureType.InvalidInput, retryable: false };
  return { type: FailureType.ProviderFailed, retryable: true };
}

/** A request the gateway would refuse, refused before it is sent (never retried). */
export function invalidRequest(message: string): GatewayError {
  return new GatewayError(FailureType.InvalidInput, message, { retryable: false });
}

/** A 2xx answer we cannot read (not JSON, not the schema): the gateway may answer better next time. */
export function unreadableAnswer(message: string, status: number): GatewayError {
  return new GatewayError(FailureType.ProviderFailed, message, { retryable: true, status });
}

/** Resets, DNS failures and our own request time-outs: worth another try. */
export function classifyNetworkError(error: unknown, operation: string): GatewayError {
  if (error instanceof GatewayError) return error;
  const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
  return new GatewayError(FailureType.ProviderFailed, `${operation}: ${cause}`, { retryable: true });
}

/**
 * An upstream job that ended badly: a refusal is our SafetyRefusal (final), the gateway's own 1 h
 * limit our Timeout, anything else a provider failure. Only SafetyRefusal stops a fallback chain.
 */
export function classifyJobError(job: { error?: string; error_code?: string }): FailureType {
  if (isSafetyRefusal(job.error_code, job.error)) return FailureType.SafetyRefusal;
  if (/^timeout$|timed?[ _-]?out/i.test(`${job.error_code ?? ''} ${job.error ?? ''}`.trim()))
    return FailureType.Timeout;
  return FailureType.ProviderFailed;
}
