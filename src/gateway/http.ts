/**
 * JSON over HTTP with the API key in the Authorization header and nowhere else. Every failure leaves
 * here as a classified GatewayError; response bodies are checked with a zod schema.
 */
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { z } from 'zod';
import type { RateBudget } from './rate-budget';
import { classifyHttpError, classifyNetworkError, excerpt, GatewayError, unreadableAnswer } from './errors';

export interface GatewayHttpOptions {
  baseUrl: string;
  apiKey: string;
  /** Per-request limit, so a hung gateway fails the activity attempt instead of its whole timeout. */
  requestTimeoutMs?: number;
  /** Every request waits for its turn in this budget (VIDEO_API_MAX_RPS). */
  budget?: RateBudget;
  /** Told about every request when it ends (metrics); never given the key, a body or a query. */
  observe?: (event: { operation: string; status: number; durationMs: number }) => void;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** The largest answer read from a gateway; a job or a page of jobs is a few kilobytes. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** A response's text, refused past `max` bytes instead of read whole into memory. */
async function boundedText(response: Response, max: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > max) {
    await response.body?.cancel();
    throw new Error(`the answer is ${declared} bytes, over ${max}`);
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) throw new Error(`the answer is over ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class GatewayHttp {
  private readonly baseUrl: string;
  constructor(private readonly options: GatewayHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  url(path: string, query?: RequestOptions['query']): string {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  /** One call, in a span of its own (method, operation, status: never the key, a query or a body). */
  request<S extends z.ZodType>(
    operation: string,
    method: string,
    path: string,
    schema: S,
    options: RequestOptions = {},
  ): Promise<z.output<S>> {
    const attributes = { 'http.request.method': method, 'gateway.operation': operation };
    return trace
      .getTracer('durable-video')
      .startActiveSpan(`gateway ${operation}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
        try {
          return await this.exchange(operation, method, path, schema, options, (status) =>
            span.setAttribute('http.response.status_code', status),
          );
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof GatewayError ? error.type : 'error' });
          throw error;
        } finally {
          span.end();
        }
      });
  }

  private async exchange<S extends z.ZodType>(
    operation: string,
    method: string,
    path: string,
    schema: S,
    options: RequestOptions,
    onStatus: (status: number) => void,
  ): Promise<z.output<S>> {
    const secrets = [this.options.apiKey];
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs ?? 20_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.apiKey}`,
      accept: 'application/json',
      ...options.headers,
    };
    let body: string | FormData | undefined;
    if (options.form) body = options.form;
    else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }

    let status = 0;
    let text: string;
    let retryAfter: string | null;
    await this.options.budget?.acquire();
    const started = performance.now();
    try {
      const response = await fetch(this.url(path, options.query), { method, headers, body, signal });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      text = await boundedText(response, MAX_BODY_BYTES);
    } catch (error) {
      throw classifyNetworkError(error, operation);
    } finally {
      onStatus(status);
      this.options.observe?.({ operation, status, durationMs: performance.now() - started });
    }
    if (status < 200 || status >= 300) {
      throw classifyHttpError(status, text, retryAfter, { operation, secrets });
    }
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      throw unreadableAnswer(
        `${operation}: HTTP ${status} with a body that is not JSON: ${excerpt(text, secrets)}`,
        status,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`.slice(0, 200))
        .join('; ');
      throw unreadableAnswer(`${operation}: unexpected response (${problems}): ${excerpt(text, secrets)}`, status);
    }
    return parsed.data;
  }
}
