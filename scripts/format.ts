/**
 * `npm run format`: Prettier over the code (TypeScript, JSON, YAML) with the repository's settings;
 * `npm run format -- --check` only checks, and fails on a file that is not formatted (CI runs it).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const check = process.argv.includes('--check');
const { status } = spawnSync(
  process.execPath,
  [
    require.resolve('prettier/bin/prettier.cjs'),
    check ? '--check' : '--write',
    '--log-level',
    check ? 'warn' : 'log',
    '**/*.{ts,json,yml}',
  ],
  { cwd: join(__dirname, '..'), stdio: 'inherit' },
);
process.exit(status ?? 1);
