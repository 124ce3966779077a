/**
 * Who may use the console and from where. Every request needs the token (VIDEO_CONSOLE_TOKEN):
 * `Authorization: Bearer <token>`, or the cookie the sign-in form sets. Requests that change
 * something and ride on the cookie must come from the console's own pages (a cross-site form or
 * script cannot start a campaign with a signed-in user's cookie).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { isLoopback } from './config';
import { signInPage } from './views/sign-in';

export const SESSION_COOKIE = 'durable_video_console';
const SESSION_DAYS = 7;

/** Constant-time comparison: digests of equal length, so neither content nor length leaks by timing. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * The cookie holds a digest of the token, not the token: a leaked cookie does not reveal the token,
 * and changing the token signs every browser out.
 */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('durable-video console session v1').digest('base64url');
}

export type AuthenticatedBy = 'bearer' | 'cookie' | 'development';

/** How this request proves the token, or undefined when it does not. */
export function authenticate(c: Context, token: string | undefined): AuthenticatedBy | undefined {
  if (!token) return 'development';
  // Only a Bearer header decides: another scheme (a proxy's Basic auth) leaves the cookie to decide.
  const match = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization')?.trim() ?? '');
  if (match) return sameSecret(match[1], token) ? 'bearer' : undefined;
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie && sameSecret(cookie, sessionValue(token)) ? 'cookie' : undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Is a request that changes something from the console's own pages? Browsers say where a request
 * comes from in `Sec-Fetch-Site` (and, older ones, `Origin`); a request with neither is not from a
 * browser, so no other site can have made it with the user's cookie. (The rule of Go's
 * http.CrossOriginProtection.)
 */
export function sameOrigin(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site) return site === 'same-origin' || site === 'none';
  const origin = c.req.header('origin');
  if (!origin) return true;
  return origin === new URL(c.req.url).origin;
}

/**
 * On loopback, only loopback names in `Host`: a web page cannot reach the console by pointing a
 * name of its own at 127.0.0.1 (DNS rebinding).
 */
export function loopbackHostOnly(boundHost: string): MiddlewareHandler {
  return async (c, next) => {
    if (!isLoopback(boundHost)) return next();
    const host = (c.req.header('host') ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (!isLoopback(host)) return c.text(`421 the console answers on loopback names only, not "${host}"`, 421);
    return next();
  };
}

/** The token on every request (but the sign-in page and the stylesheet), and same-origin changes. */
export function requireToken(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    const by = authenticate(c, token);
    if (!by) {
      c.header('WWW-Authenticate', 'Bearer realm="durable-video console"');
      const wantsPage = c.req.method === 'GET' && (c.req.header('accept') ?? '').includes('text/html');
      if (wantsPage) return c.html(signInPage({ next: pathOf(c), error: undefined }), 401);
      return c.text('401 sign in first: send Authorization: Bearer <VIDEO_CONSOLE_TOKEN>', 401);
    }
    if (!SAFE_METHODS.has(c.req.method) && by !== 'bearer' && !sameOrigin(c)) {
      return c.text('403 refused: a change must come from the console’s own pages (cross-site request)', 403);
    }
    return next();
  };
}

const pathOf = (c: Context) => {
  const url = new URL(c.req.url);
  return url.pathname + url.search;
};

/**
 * Only a path on this site: `next=//evil.example`, a full URL, or a path a browser would read as another
 * host once it strips tabs and newlines (`/\t/evil.example`) would send the user elsewhere.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || /[\u0000-\u0020\u007f\\]/.test(next)) return '/';
  const base = 'http://console.invalid';
  const url = new URL(next, base);
  return url.origin === base ? url.pathname + url.search + url.hash : '/';
}

export function signIn(c: Context, token: string | undefined, given: string): boolean {
  if (!token || !sameSecret(given, token)) return false;
  setCookie(c, SESSION_COOKIE, sessionValue(token), {
    httpOnly: true,
    secure: true, // browsers keep Secure cookies for http://localhost and 127.0.0.1 as well
    sameSite: 'Strict',
    path: '/',
    maxAge: SESSION_DAYS * 24 * 3600,
  });
  return true;
}

export function signOut(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true });
}
