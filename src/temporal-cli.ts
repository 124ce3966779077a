/**
 * Finds the Temporal CLI (it carries the dev server and the Web UI) without touching the internet:
 * TEMPORAL_CLI_PATH, then `temporal` on PATH, then our cache folder, then a build from the Go module
 * proxy into that cache. Returns undefined only when none of these can work; callers then let the SDK
 * download a server (which needs internet).
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

/** Newer tags carry a `replace` directive that `go install pkg@version` refuses. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

export function cacheRoot(): string {
  return (
    process.env.DURABLE_VIDEO_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'durable-video')
  );
}

export function cachedCliPath(): string {
  return join(cacheRoot(), 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && executable(candidate)) return candidate;
  }
  return undefined;
}

export interface FindOptions {
  /** Build with Go when nothing else is found (default true). */
  build?: boolean;
  log?: (line: string) => void;
}

export async function findTemporalCli(options: FindOptions = {}): Promise<string | undefined> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!executable(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const found = onPath('temporal');
  if (found) return found;
  const cached = cachedCliPath();
  if (executable(cached)) return cached;
  if (options.build === false) return undefined;
  const go = onPath('go');
  if (!go) {
    log('No Temporal CLI and no Go toolchain found: the Temporal SDK will try to download a dev server.');
    return undefined;
  }
  await buildWithGo(go, cached, log);
  return cached;
}

async function buildWithGo(go: string, target: string, log: (line: string) => void): Promise<void> {
  const dir = join(target, '..');
  const staging = `${dir}.building-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} from the Go module proxy into ${dir}`);
  log('(first use on this machine only; this takes a few minutes)');
  const started = Date.now();
  const ticker = setInterval(
    () => log(`  ... still building (${Math.round((Date.now() - started) / 1000)} s)`),
    30_000,
  );
  try {
    await promisify(execFile)(go, ['install', `${MODULE}@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: staging, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (!existsSync(dir)) mkdirSync(join(dir, '..'), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    log(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`go install ${MODULE}@${TEMPORAL_CLI_VERSION} failed: ${stderr.slice(-2000) || error}`);
  } finally {
    clearInterval(ticker);
  }
}
