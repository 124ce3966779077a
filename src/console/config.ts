/**
 * The console's settings, from the environment like the worker's: where it listens, the token every
 * request needs, the upload cap and where the Temporal UI is. The Temporal connection itself comes
 * from TEMPORAL_* (@temporalio/envconfig) through VideoClient.connect, the store from VIDEO_STORE.
 */
import { z } from 'zod';
import { describeIssues } from '../failures';

export const DEFAULT_CONSOLE_PORT = 8090;
/** 100,000 rows of a few hundred bytes each fit; a manifest is checked in memory, so it is capped. */
export const DEFAULT_MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

const ConsoleEnv = z.object({
  VIDEO_CONSOLE_ADDRESS: z
    .string()
    .regex(/^([^\s:[\]]+|\[[0-9a-f:]+\]):\d+$|^\d+$/i, 'must be host:port (e.g. 127.0.0.1:8090) or a port')
    .default(`127.0.0.1:${DEFAULT_CONSOLE_PORT}`),
  VIDEO_CONSOLE_TOKEN: z.string().min(16, 'must be at least 16 characters (e.g. openssl rand -hex 32)').optional(),
  VIDEO_CONSOLE_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(DEFAULT_MAX_UPLOAD_BYTES),
  /** Links to each workflow; the dev server's UI by default. */
  VIDEO_CONSOLE_TEMPORAL_UI_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:8233'),
});

export interface ConsoleConfig {
  host: string;
  port: number;
  /** Undefined only on loopback outside production (development: every local request is trusted). */
  token?: string;
  maxUploadBytes: number;
  temporalUiUrl: string;
}

export class ConsoleConfigError extends Error {
  override readonly name = 'ConsoleConfigError';
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** `host:port`, `[v6]:port` or a bare port (on 127.0.0.1). */
export function parseAddress(address: string): { host: string; port: number } {
  if (/^\d+$/.test(address)) return { host: '127.0.0.1', port: Number(address) };
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(address.slice(at + 1)) };
}

/**
 * Settings from the environment. The console starts videos that cost money, so it refuses to listen
 * beyond loopback (or in production) without a token; empty variables count as unset.
 */
export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  const relevant = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key.startsWith('VIDEO_CONSOLE_') && value?.trim()),
  );
  const parsed = ConsoleEnv.safeParse(relevant);
  if (!parsed.success) throw new ConsoleConfigError(`invalid console configuration: ${describeIssues(parsed.error)}`);
  const { host, port } = parseAddress(parsed.data.VIDEO_CONSOLE_ADDRESS);
  const token = parsed.data.VIDEO_CONSOLE_TOKEN;
  if (!token && (!isLoopback(host) || env.NODE_ENV === 'production')) {
    throw new ConsoleConfigError(
      `VIDEO_CONSOLE_TOKEN is required to serve the console on ${host}${env.NODE_ENV === 'production' ? ' in production' : ''}: ` +
        'it starts paid video jobs (set a random token of 16+ characters, e.g. openssl rand -hex 32)',
    );
  }
  return {
    host,
    port,
    token,
    maxUploadBytes: parsed.data.VIDEO_CONSOLE_MAX_UPLOAD_BYTES,
    temporalUiUrl: parsed.data.VIDEO_CONSOLE_TEMPORAL_UI_URL.replace(/\/+$/, ''),
  };
}
