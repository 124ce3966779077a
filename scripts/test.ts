/**
 * `npm test`: find or build the Temporal CLI once, then run every test file with node's test runner,
 * one file at a time (each starts its own dev server; the machine has two cores).
 * `npm test -- test/gateway.test.ts` runs chosen files.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findTemporalCli } from '../src/temporal-cli';

async function main(): Promise<number> {
  const cli = await findTemporalCli();
  if (cli) process.env.TEMPORAL_CLI_PATH = cli;
  const root = join(__dirname, '..');
  const chosen = process.argv.slice(2);
  const files = chosen.length
    ? chosen
    : readdirSync(join(root, 'test'))
        .filter((f) => f.endsWith('.test.ts'))
        .sort()
        .map((f) => join('test', f));
  const { status } = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=300000', ...files],
    { cwd: root, stdio: 'inherit', env: process.env },
  );
  return status ?? 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
