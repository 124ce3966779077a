/**
 * Downloads that cannot be turned against us: only https (plain http only to loopback, and only when
 * explicitly allowed for development), never to private, link-local or metadata addresses — checked on
 * the address actually connected to, after DNS — a bounded number of redirects, and a size cap.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { addressProblem, isLoopbackHost } from '../addresses';

export { addressProblem, isLoopback } from '../addresses';

export interface DownloadPolicy {
  /** Allow http:// and https:// to loopback addresses (the simulator). Never on in production. */
  allowLoopback: boolean;
  maxRedirects: number;
  maxBytes: number;
}

export const DEFAULT_DOWNLOAD_POLICY: DownloadPolicy = {
  allowLoopback: false,
  maxRedirects: 5,
  maxBytes: 2 * 1024 ** 3,
};

export class UnsafeUrlError extends Error {
  override readonly name = 'UnsafeUrlError';
}

export class DownloadHttpError extends Error {
  override readonly name = 'DownloadHttpError';
  constructor(
    readonly status: number,
    url: string,
    method = 'GET',
  ) {
    super(`${method} ${redactQuery(url)} answered HTTP ${status}`);
  }
}

/** A DNS lookup that refuses forbidden answers, so the check holds for the connection actually made. */
function guardedLookup(policy: DownloadPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const bad = addresses.map((a) => addressProblem(a.address, policy)).find(Boolean);
      if (bad) return callback(new UnsafeUrlError(`refusing to fetch ${hostname}: it resolves to a ${bad}`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

function checkUrl(url: URL, policy: DownloadPolicy): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && policy.allowLoopback && isLoopbackHost(url.hostname)) return;
  throw new UnsafeUrlError(`refusing to fetch ${url.protocol}//${url.host}: only https URLs are mirrored`);
}

export function redactQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}${parsed.search ? '?…' : ''}`;
  } catch {
    return '(invalid URL)';
  }
}

/** One request to a URL the policy allows: scheme, literal address and (through DNS) resolved address checked. */
function requestChecked(
  url: URL,
  policy: DownloadPolicy,
  options: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; signal?: AbortSignal },
): Promise<IncomingMessage> {
  checkUrl(url, policy);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const problem = addressProblem(host, policy);
    if (problem) throw new UnsafeUrlError(`refusing to fetch ${url.host}: ${problem}`);
  }
  return new Promise<IncomingMessage>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      url,
      {
        method: options.method,
        headers: options.headers,
        lookup: guardedLookup(policy),
        signal: options.signal,
        timeout: 30_000,
      },
      resolve,
    );
    request.on('timeout', () => request.destroy(new Error(`no answer from ${url.host} within 30 s`)));
    request.on('error', reject);
    request.end(options.body);
  });
}

/** GET a URL under the policy, following redirects; resolves with the response to stream from. */
export async function safeGet(rawUrl: string, policy: DownloadPolicy, signal?: AbortSignal): Promise<IncomingMessage> {
  let url = new URL(rawUrl);
  for (let hop = 0; ; hop++) {
    const response = await requestChecked(url, policy, { method: 'GET', signal });
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      if (hop >= policy.maxRedirects) throw new UnsafeUrlError(`more than ${policy.maxRedirects} redirects`);
      url = new URL(response.headers.location, url);
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new DownloadHttpError(status, url.toString());
    }
    return response;
  }
}

/**
 * POST a body under the same address rules (completion callbacks). Redirects are not followed: a
 * callback answered 3xx, 4xx or 5xx has not been delivered. Resolves with the status on a 2xx.
 */
export async function safePost(
  rawUrl: string,
  policy: DownloadPolicy,
  body: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<number> {
  const url = new URL(rawUrl);
  const response = await requestChecked(url, policy, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
    signal,
  });
  response.resume();
  const status = response.statusCode ?? 0;
  if (status < 200 || status >= 300) throw new DownloadHttpError(status, url.toString(), 'POST');
  return status;
}
