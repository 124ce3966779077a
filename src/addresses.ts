/**
 * The address rules for every URL we fetch or post to (mirrors, callbacks): which hosts are loopback,
 * and which addresses are never reached (private, link-local, metadata, reserved). Pure (ipaddr.js
 * only), so the request schema applies them when a callback URL is checked, before anything is
 * spent, and the downloader applies them again to the address it actually connects to.
 */
import ipaddr from 'ipaddr.js';

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
export function addressProblem(address: string, policy: { allowLoopback: boolean }): string | undefined {
  const classified = classify(address);
  if (!classified) return `unreadable address ${address}`;
  const { range } = classified;
  if (range === 'loopback') return policy.allowLoopback ? undefined : `loopback address ${address}`;
  // Metadata services (169.254.169.254, fd00:ec2::254) are link-local or unique-local; Teredo
  // (2001::/32) hides its IPv4 host. They and every other special range are refused.
  if (range !== 'unicast') return `private, link-local or reserved address ${address} (${range})`;
  return undefined;
}

/** The host of a parsed URL without IPv6 brackets. */
export const bareHost = (hostname: string) => hostname.replace(/^\[|\]$/g, '');

/**
 * A loopback host by its parsed name: `localhost` (and names under it, RFC 6761) or a loopback address
 * in any spelling the URL parser normalised. Never a text match: `127.0.0.1.evil.example` is a DNS name.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = bareHost(hostname).toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return ipaddr.isValid(host) && isLoopback(host);
}

/**
 * Why a callback URL may not be used, or undefined: https, or http to a loopback host (development
 * receivers; the worker's VIDEO_CALLBACK_ALLOW_LOOPBACK decides whether loopback is allowed at all);
 * never an address literal in a private, link-local or reserved range. Names are resolved and checked
 * by the worker, at the input check and again at delivery.
 */
export function callbackUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'callback_url is not a URL';
  }
  if (url.username || url.password) return 'callback_url must not carry credentials';
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    return 'callback_url must be https (http only to loopback)';
  }
  const host = bareHost(url.hostname);
  if (!loopback && ipaddr.isValid(host)) {
    const problem = addressProblem(host, { allowLoopback: false });
    if (problem) return `callback_url may not point to a ${problem}`;
  }
  return undefined;
}
