/**
 * The simulator's HTTP plumbing shared by both dialects: a request's context, answers that are HTTP
 * problems, and body reading.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimFault, SimRoute } from './faults';

export interface SimCall {
  at: number;
  method: string;
  path: string;
  route: SimRoute | 'unknown';
  status: number;
  model?: string;
  job_id?: string;
  idempotency_key?: string;
  /** submit: the JSON body as received. */
  body?: Record<string, unknown>;
  /** video/thumbnail: bytes of the file written to the client so far. */
  sent_bytes?: number;
  /** video/thumbnail: how the body ended: all sent, or the client went away first. */
  body_end?: 'complete' | 'client_gone';
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
  call: SimCall;
  body: () => Promise<unknown>;
  /** A fault that changes how the handler answers (rather than answering for it). */
  fault?: SimFault;
  /** Set while an `afterWork` fault holds the handler's own answer back. */
  answered?: boolean;
}

export type Handler = (ctx: RequestContext) => Promise<void> | void;
/** Method, path pattern (its groups are `ctx.params`), route name for faults and the call log, handler. */
export type Route = [string, RegExp, SimRoute, Handler];

/** An answer other than 200, thrown by a handler. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly payload: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

export const notFound = (what: string) =>
  new HttpProblem(404, { error: { code: 'not_found', message: `${what} not found` } });
export const badRequest = (message: string) => new HttpProblem(400, { error: { code: 'invalid_request', message } });

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const raw = (await readRaw(req)).toString('utf8');
  if (!raw) return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest('the body is not valid JSON');
  }
}
