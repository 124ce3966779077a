/**
 * A production Temporal server without Docker, on this machine only: `temporal-server` (built once
 * from the Go module proxy into ~/.cache/durable-video) on PostgreSQL from Debian's packages, in a
 * throwaway data folder, every port on 127.0.0.1. The same topology as docker-compose.yml, for tests
 * (`npm run test:cluster`) and benchmarks. About 5 s from nothing to a registered namespace.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { registerSearchAttributes } from './operations/search-attributes';
import { findTemporalCli } from './temporal-cli';

export const SERVER_VERSION = 'v1.29.1';
const CACHE = join(homedir(), '.cache', 'durable-video', 'temporal-server', SERVER_VERSION);

export interface Cluster {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  stop(): Promise<void>;
}

function go(args: string[], env: NodeJS.ProcessEnv = {}): string {
  const goBin = ['go', '/usr/local/go/bin/go'].find((bin) => {
    try {
      execFileSync(bin, ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!goBin) throw new Error('Go is needed to build temporal-server (https://go.dev/dl)');
  return execFileSync(goBin, args, { encoding: 'utf8', env: { ...process.env, ...env } }).trim();
}

/** temporal-server and its schema tool, built once per machine. */
export function serverBinaries(log: (line: string) => void = () => undefined): { server: string; sql: string } {
  const server = join(CACHE, 'server');
  const sql = join(CACHE, 'sql');
  for (const [bin, pkg] of [
    [server, 'go.temporal.io/server/cmd/server'],
    [sql, 'go.temporal.io/server/cmd/tools/sql'],
  ] as const) {
    if (existsSync(bin)) continue;
    log(`building ${pkg}@${SERVER_VERSION} (once per machine; several minutes)`);
    go(['install', `${pkg}@${SERVER_VERSION}`], { GOBIN: CACHE });
  }
  return { server, sql };
}

/** The folder of PostgreSQL's programs, installed from Debian's packages when missing. */
function postgresBin(log: (line: string) => void): string {
  const find = () =>
    ['17', '16', '15', '14'].map((v) => `/usr/lib/postgresql/${v}/bin`).find((dir) => existsSync(join(dir, 'initdb')));
  let dir = find();
  if (!dir && process.getuid?.() === 0) {
    log('installing PostgreSQL from the Debian packages');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-q'], { stdio: 'ignore', env });
    execFileSync('apt-get', ['install', '-y', '-q', 'postgresql'], { stdio: 'ignore', env });
    dir = find();
  }
  if (!dir) throw new Error('PostgreSQL is needed: apt-get install postgresql');
  return dir;
}

/**
 * A free port on 127.0.0.1 below 32768: the server stores membership ports in a PostgreSQL smallint,
 * so the kernel's ephemeral ports (often above 32767) will not do.
 */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** Run as the `postgres` user when we are root (initdb refuses root). */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

function serverConfig(ports: Record<string, number>, pgPort: number, dynamicConfig: string): string {
  const store = (database: string, conns: number) => `
      sql:
        pluginName: "postgres12"
        databaseName: "${database}"
        connectAddr: "127.0.0.1:${pgPort}"
        connectProtocol: "tcp"
        user: "temporal"
        password: ""
        maxConns: ${conns}
        maxIdleConns: ${conns}
        maxConnLifetime: "1h"`;
  const service = (name: string) => `
  ${name}:
    rpc:
      grpcPort: ${ports[`${name}Grpc`]}
      membershipPort: ${ports[`${name}Membership`]}
      bindOnIP: "127.0.0.1"${name === 'frontend' ? `\n      httpPort: ${ports.frontendHttp}` : ''}`;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:${store('temporal', 20)}
    postgres-visibility:${store('temporal_visibility', 4)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "127.0.0.1:${ports.metrics}"
services:${['frontend', 'matching', 'history', 'worker'].map(service).join('')}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${ports.frontendGrpc}"
      httpAddress: "127.0.0.1:${ports.frontendHttp}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "${dynamicConfig}"
  pollInterval: "10s"
`;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The processes a cluster started, stopped in reverse order (SIGTERM, then SIGKILL after 5 s). */
class Children {
  private readonly children: ChildProcess[] = [];
  add(child: ChildProcess): ChildProcess {
    this.children.push(child);
    return child;
  }
  async stop(): Promise<void> {
    for (const child of this.children.reverse()) {
      if (child.exitCode !== null) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }
}

/** Start PostgreSQL and temporal-server in a throwaway folder; `stop()` removes everything. */
export async function startCluster(options: { log?: (line: string) => void } = {}): Promise<Cluster> {
  const log = options.log ?? (() => undefined);
  const { server, sql } = serverBinaries(log);
  const pg = postgresBin(log);
  const root = mkdtempSync(join(tmpdir(), 'temporal-cluster-'));
  const children = new Children();
  const stop = async () => {
    await children.stop();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const pgPort = await startPostgres(pg, root, children);
    createSchemas(sql, pgPort);
    const address = await startTemporalServer(server, root, pgPort, children);
    await createNamespace(address, log);
    log(`temporal-server ${SERVER_VERSION} on PostgreSQL at ${address}`);
    return { address, namespace: 'default', stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A PostgreSQL of its own in `root`, trusting local connections, on a free loopback port. */
async function startPostgres(pg: string, root: string, children: Children): Promise<number> {
  const data = join(root, 'pg');
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', root]);
  execFileSync(...asPostgres(join(pg, 'initdb'), ['-D', data, '-U', 'temporal', '--auth=trust', '-E', 'UTF8']), {
    stdio: 'ignore',
  });
  const port = await freePort();
  children.add(
    spawn(...asPostgres(join(pg, 'postgres'), ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', data]), {
      stdio: 'ignore',
    }),
  );
  await waitFor(() => isListening(port), 30_000, 'PostgreSQL');
  return port;
}

/** Temporal's schemas, as the admin-tools image makes them: create, set up at 0.0, update to the release. */
function createSchemas(sql: string, pgPort: number): void {
  const schema = (database: string, ...args: string[]) =>
    execFileSync(
      sql,
      [
        '--plugin',
        'postgres12',
        '--ep',
        '127.0.0.1',
        '-p',
        String(pgPort),
        '-u',
        'temporal',
        '--db',
        database,
        ...args,
      ],
      { stdio: 'ignore' },
    );
  const modules = join(
    go(['env', 'GOMODCACHE']),
    `go.temporal.io/server@${SERVER_VERSION}`,
    'schema',
    'postgresql',
    'v12',
  );
  for (const [database, dir] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ]) {
    schema(database, 'create-database');
    schema(database, 'setup-schema', '-v', '0.0');
    schema(database, 'update-schema', '-d', join(modules, dir, 'versioned'));
  }
}

const SERVER_PORTS = [
  'frontendGrpc',
  'frontendMembership',
  'frontendHttp',
  'matchingGrpc',
  'matchingMembership',
  'historyGrpc',
  'historyMembership',
  'workerGrpc',
  'workerMembership',
  'metrics',
];

/** temporal-server on loopback ports, with updates, multi-operations and fairness on; its frontend address. */
async function startTemporalServer(server: string, root: string, pgPort: number, children: Children): Promise<string> {
  const ports: Record<string, number> = {};
  for (const name of SERVER_PORTS) ports[name] = await freePort();
  const dynamicConfig = join(root, 'dynamic.yaml');
  writeFileSync(
    dynamicConfig,
    'frontend.enableUpdateWorkflowExecution:\n  - value: true\nfrontend.enableExecuteMultiOperation:\n  - value: true\n' +
      'matching.enableFairness:\n  - value: true\n',
  );
  writeFileSync(join(root, 'cluster.yaml'), serverConfig(ports, pgPort, dynamicConfig));
  const temporal = children.add(
    spawn(server, ['--root', root, '--config', '.', '--env', 'cluster', '--allow-no-auth', 'start'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let serverLog = '';
  const keep = (d: Buffer) => (serverLog = `${serverLog}${d}`.slice(-4000));
  temporal.stdout!.on('data', keep);
  temporal.stderr!.on('data', keep);
  await waitFor(
    async () => {
      if (temporal.exitCode !== null) throw new Error(`temporal-server exited: ${serverLog}`);
      return isListening(ports.frontendGrpc);
    },
    60_000,
    'temporal-server',
  ).catch((error: Error) => {
    throw new Error(`${error.message}: ${serverLog}`);
  });
  return `127.0.0.1:${ports.frontendGrpc}`;
}

/** The `default` namespace (by the Temporal CLI) with the video search attributes registered. */
async function createNamespace(address: string, log: (line: string) => void): Promise<void> {
  const cli = await findTemporalCli({ log });
  if (!cli)
    throw new Error('the Temporal CLI is needed to create the namespace (npx tsx scripts/ensure-temporal-cli.ts)');
  await waitFor(
    async () => {
      execFileSync(cli, ['operator', 'namespace', 'create', '--namespace', 'default', '--address', address], {
        stdio: 'ignore',
      });
      return true;
    },
    60_000,
    'the default namespace',
  );
  const connection = await Connection.connect({ address });
  try {
    await waitFor(
      async () => (await registerSearchAttributes(connection, 'default'), true),
      60_000,
      'search attributes',
    );
  } finally {
    await connection.close();
  }
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.end(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

if (require.main === module) {
  startCluster({ log: (line) => console.error(line) }).then(
    async (cluster) => {
      console.log(`TEMPORAL_ADDRESS=${cluster.address}`);
      console.error('Ctrl-C stops the server and removes its data');
      await new Promise<void>((done) => process.once('SIGINT', () => done()));
      await cluster.stop();
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
