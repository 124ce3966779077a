/**
 * The rules that make the workflow modules safe to preload and share (workflow-bundle.ts): what the
 * workflows import at load time never reaches zod (the SDK freezes shared modules; zod writes to its
 * own objects, and would cost every workflow its own copy), and no shared module keeps state of its
 * own at module scope (it would leak from one workflow to the next).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { WORKFLOWS_PATH } from '../../src/workflow-bundle';

const ROOT = resolve(__dirname, '../..');

/** Value imports and re-exports (`import type` and `export type` are erased, so they load nothing). */
function loadTimeImports(source: string): string[] {
  const specifiers: string[] = [];
  for (const match of source.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^;'"]*?\sfrom\s+)?'([^']+)'/gms)) {
    specifiers.push(match[1]);
  }
  return specifiers;
}

function resolveModule(from: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const base = resolve(dirname(from), specifier);
  const file = [`${base}.ts`, join(base, 'index.ts')].find(existsSync);
  assert.ok(file, `${relative(ROOT, from)} imports ${specifier}, which does not resolve`);
  return file;
}

/** Every module loaded with the workflows, and the chain of imports that loads it. */
function sharedGraph(): Map<string, string[]> {
  const chains = new Map<string, string[]>([[WORKFLOWS_PATH, [WORKFLOWS_PATH]]]);
  const queue = [WORKFLOWS_PATH];
  while (queue.length) {
    const file = queue.shift()!;
    for (const specifier of loadTimeImports(readFileSync(file, 'utf8'))) {
      const target = resolveModule(file, specifier);
      if (chains.has(target)) continue;
      chains.set(target, [...chains.get(file)!, target]);
      if (target.endsWith('.ts')) queue.push(target);
    }
  }
  return chains;
}

const show = (chain: string[]) => chain.map((f) => (f.startsWith('/') ? relative(ROOT, f) : f)).join(' -> ');

describe('the preloaded workflow modules', () => {
  const graph = sharedGraph();
  const ours = [...graph.keys()].filter((f) => f.endsWith('.ts'));

  test('the walk finds the workflows, and only erased imports are skipped', () => {
    assert.deepEqual(loadTimeImports("import type { A } from './a';\nimport { type B, c } from './c';"), ['./c']);
    assert.deepEqual(loadTimeImports("export type { A } from './a';\nexport * from './d';"), ['./d']);
    for (const file of ['generate-video.ts', 'video-campaign.ts', 'lazy.ts']) {
      assert.ok(
        ours.some((f) => f.endsWith(`/workflows/${file}`)),
        `${file} is in the graph`,
      );
    }
  });

  test('never load zod: schemas load on first use (workflows/lazy.ts)', () => {
    const zod = [...graph.entries()].filter(([module]) => module === 'zod' || module.startsWith('zod/'));
    assert.deepEqual(
      zod.map(([, chain]) => show(chain)),
      [],
      'zod is loaded by the shared workflow modules through this chain; load the schema through lazy.ts',
    );
    for (const lazy of ['request.ts', 'campaign/input.ts', 'workflows/message-schemas.ts']) {
      assert.ok(!ours.some((f) => f.endsWith(`src/${lazy}`)), `${lazy} is loaded lazily, not with the workflows`);
    }
  });

  test('keep no state of their own at module scope', () => {
    const stateful = ours.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${relative(ROOT, file)}:${i + 1}` }))
        .filter(({ line }) => /^(export\s+)?(let|var)\s/.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    assert.deepEqual(stateful, [], 'a shared module may not hold mutable state: it would leak between workflows');
  });
});
