/**
 * Downloads that cannot be turned against us: only https (plain http only to loopback, and only when
 * explicitly allowed for development), never to private, link-local or metadata addresses — checked on
 * the address actually connected to, after DNS — a bounded number of redirects, and a size cap.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

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

/**
 * The IPv4 address an IPv6 address carries, where it carries one: IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002:AABB:CCDD::/48). A connection to
 * such an address can reach that IPv4 host, so the IPv4 host is what gets classified.
 */
function embeddedIpv4(ip: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const bytes = ip.toByteArray();
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  const v4 = (at: number) => new ipaddr.IPv4(bytes.slice(at, at + 4));
  if (ip.isIPv4MappedAddress()) return ip.toIPv4Address();
  if (
    ip.range() === 'rfc6052' ||
    (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12))
  ) {
    return v4(12);
  }
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return v4(2);
  // ::a.b.c.d, but not :: and ::1, which are IPv6's own unspecified and loopback addresses.
  if (zeros(0, 12) && !zeros(12, 15)) return v4(12);
  return undefined;
}

/**
 * How an address is classified: the IPv4 host behind it where it embeds one, else itself, by the
 * IANA special-purpose registries ipaddr.js keeps ('unicast' is an ordinary public address).
 */
function classify(address: string): { range: string } | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  const parsed = ipaddr.parse(address);
  const ip = parsed.kind() === 'ipv6' ? (embeddedIpv4(parsed as ipaddr.IPv6) ?? parsed) : parsed;
  return { range: ip.range() };
}

export function isLoopback(address: string): boolean {
  return classify(address)?.range === 'loopback';
}

/** Why an address may not be fetched, or undefined when it may. */
export function addressProblem(address: string, policy: DownloadPolicy): string | undefined {
  const classified = classify(address);
  if (!classified) return `unreadable address ${address}`;
  const { range } = classified;
  if (range === 'loopback') return policy.allowLoopback ? undefined : `loopback address ${address}`;
  // Metadata services (169.254.169.254, fd00:ec2::254) are link-local or unique-local; Teredo
  // (2001::/32) hides its IPv4 host. They and every other special range are refused.
  if (range !== 'unicast') return `private, link-local or reserved address ${address} (${range})`;
  return undefined;
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
  if (url.protocol === 'http:' && policy.allowLoopback) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (host === 'localhost' || (isIP(host) && isLoopback(host))) return;
  }
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
