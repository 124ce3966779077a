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

const SAFETY_PATTERN = /safety|content[ _-]?policy|moderation|refus|prohibited|nsfw/i;
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
  if (status === 401 || status === 403) {
    return new GatewayError(
      FailureType.Unauthorized,
      `${base} (the gateway refused the API key: check VIDEO_API_KEY)`,
      { retryable: false, status, code },
    );
  }
  if (status === 402) {
    return new GatewayError(FailureType.InsufficientCredit, base, { retryable: false, status, code });
  }
  if (status === 429) {
    return new GatewayError(FailureType.QuotaExceeded, base, {
      retryable: true,
      status,
      code,
      retryAfterMs: parseRetryAfter(retryAfter),
    });
  }
  if (status >= 400 && status < 500 && status !== 408 && SAFETY_PATTERN.test(`${code ?? ''} ${message ?? ''}`)) {
    return new GatewayError(FailureType.SafetyRefusal, base, { retryable: false, status, code });
  }
  if (status >= 400 && status < 500 && status !== 408) {
    return new GatewayError(FailureType.InvalidInput, base, { retryable: false, status, code });
  }
  return new GatewayError(FailureType.ProviderFailed, base, {
    retryable: true,
    status,
    code,
    retryAfterMs: parseRetryAfter(retryAfter),
  });
}

/** Resets, DNS failures and our own request time-outs: worth another try. */
export function classifyNetworkError(error: unknown, operation: string): GatewayError {
  if (error instanceof GatewayError) return error;
  const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
  return new GatewayError(FailureType.ProviderFailed, `${operation}: ${cause}`, { retryable: true });
}

/** An upstream job that ended badly: a timeout upstream is our Timeout, a refusal our SafetyRefusal. */
export function classifyJobError(error: string | undefined): FailureType {
  if (!error) return FailureType.ProviderFailed;
  if (/^timeout$|timed?[ _-]?out/i.test(error)) return FailureType.Timeout;
  if (SAFETY_PATTERN.test(error)) return FailureType.SafetyRefusal;
  return FailureType.ProviderFailed;
}
