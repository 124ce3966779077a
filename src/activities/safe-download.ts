/**
 * Downloads that cannot be turned against us: only https (plain http only to loopback, and only when
 * explicitly allowed for development), never to private, link-local or metadata addresses — checked on
 * the address actually connected to, after DNS — a bounded number of redirects, and a size cap.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

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
  constructor(readonly status: number, url: string) {
    super(`GET ${redactQuery(url)} answered HTTP ${status}`);
  }
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const forbidden = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) {
  forbidden.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [['::', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['fd00:ec2::', 32]] as const) {
  forbidden.addSubnet(net, prefix, 'ipv6');
}

export function isLoopback(address: string): boolean {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  return loopback.check(address, family) || (family === 'ipv6' && loopback.check(address.replace(/^::ffff:/, ''), 'ipv4'));
}

/** Why an address may not be fetched, or undefined when it may. */
export function addressProblem(address: string, policy: DownloadPolicy): string | undefined {
  const mapped = address.replace(/^::ffff:/i, '');
  const family = isIP(mapped) === 6 ? 'ipv6' : 'ipv4';
  if (isLoopback(mapped)) return policy.allowLoopback ? undefined : `loopback address ${address}`;
  if (forbidden.check(mapped, family)) return `private, link-local or reserved address ${address}`;
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

/** GET a URL under the policy, following redirects; resolves with the response to stream from. */
export async function safeGet(rawUrl: string, policy: DownloadPolicy, signal?: AbortSignal): Promise<IncomingMessage> {
  let url = new URL(rawUrl);
  for (let hop = 0; ; hop++) {
    checkUrl(url, policy);
    if (isIP(url.hostname.replace(/^\[|\]$/g, ''))) {
      const problem = addressProblem(url.hostname.replace(/^\[|\]$/g, ''), policy);
      if (problem) throw new UnsafeUrlError(`refusing to fetch ${url.host}: ${problem}`);
    }
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const get = url.protocol === 'https:' ? httpsGet : httpGet;
      const request = get(url, { lookup: guardedLookup(policy), signal, timeout: 30_000 }, resolve);
      request.on('timeout', () => request.destroy(new Error(`no answer from ${url.host} within 30 s`)));
      request.on('error', reject);
    });
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
