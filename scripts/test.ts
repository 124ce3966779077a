/**
 * `npm test`: the fast unit tier (pure logic, no server), then every integration test file with
 * node's test runner, one file at a time (each starts its own dev server; the machine has two cores).
 * `npm run test:unit` runs the unit tier alone; `npm test -- test/gateway.test.ts` runs chosen files.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findTemporalCli } from '../src/temporal-cli';

const ROOT = join(__dirname, '..');
const CHROMIUM = '/usr/bin/chromium';

function testFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => join(dir, f));
}

function runNodeTests(files: string[], extra: string[] = []): number {
  const { status } = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1', ...extra, ...files],
    { cwd: ROOT, stdio: 'inherit', env: process.env },
  );
  return status ?? 1;
}

/** The gallery test drives Debian's chromium; install it (as root, from the Debian packages) when missing. */
function ensureChromium(): void {
  if (existsSync(CHROMIUM) || process.getuid?.() !== 0) return;
  console.log('installing chromium from the Debian packages (the campaign gallery test uses it)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-q'], { stdio: 'ignore', env });
    execFileSync('apt-get', ['install', '-y', '-q', 'chromium'], { stdio: 'ignore', env });
  } catch (error) {
    console.warn(`could not install chromium (${(error as Error).message}); the gallery test will say so`);
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unitOnly = args.includes('--unit');
  const chosen = args.filter((a) => !a.startsWith('--'));
  if (unitOnly) return runNodeTests(testFiles('test/unit'));
  const cli = await findTemporalCli();
  if (cli) process.env.TEMPORAL_CLI_PATH = cli;
  // One run, so the runner's closing lines count every test of both tiers.
  // The installed package last: it packs and installs the whole thing in a fresh folder.
  const files = chosen.length
    ? chosen
    : [...testFiles('test/unit'), ...testFiles('test'), ...testFiles('test/package')];
  if (files.some((f) => f.includes('campaign-manifest') || f.includes('console'))) ensureChromium();
  return runNodeTests(files, ['--test-timeout=900000']);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
