/**
 * The project's programs as child processes, configured only by environment variables as a user's
 * shell would configure them: `npm run worker` (so a test can kill it with SIGKILL as a crash would)
 * and the command line.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { eventually, type World } from './world';

const ROOT = join(__dirname, '..', '..');

export class WorkerProcesses {
  private readonly children: ChildProcess[] = [];

  constructor(
    private readonly world: World,
    private readonly env: { taskQueue: string; store: string; dialect?: string },
  ) {}

  async spawn(): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker'], {
      cwd: ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: this.world.server.address,
        TEMPORAL_NAMESPACE: 'default',
        VIDEO_API_BASE_URL: this.world.simulator.url,
        VIDEO_API_KEY: this.world.simulator.apiKey,
        VIDEO_API_DIALECT: this.env.dialect ?? 'infery',
        VIDEO_STORE: this.env.store,
        VIDEO_TASK_QUEUE: this.env.taskQueue,
        VIDEO_MIRROR_ALLOW_LOOPBACK: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.push(child);
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await eventually(() => output.includes('Worker polling') || !alive(child), 60_000, 'worker start');
    assert.ok(alive(child), `worker exited: ${output}`);
    return child;
  }

  /** Every worker this helper started, killed as a crash would. */
  killAll(): Promise<void> {
    return Promise.all(this.children.map(kill)).then(() => undefined);
  }
}

export const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

export function kill(child: ChildProcess): Promise<void> {
  if (!alive(child)) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** The command line (`npm run cli -- ...`) with these variables; resolves with its exit code and output. */
export function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, TEMPORAL_NAMESPACE: 'default', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

/** The command line against a test world's Temporal, worker and simulator (infrai unless `env` says otherwise). */
export function runCliAgainst(world: World, args: string[], env: Record<string, string> = {}) {
  return runCli(args, {
    TEMPORAL_ADDRESS: world.server.address,
    VIDEO_TASK_QUEUE: world.taskQueue,
    VIDEO_API_BASE_URL: world.simulator.url,
    VIDEO_API_KEY: world.simulator.apiKey,
    VIDEO_API_DIALECT: 'infrai',
    ...env,
  });
}
