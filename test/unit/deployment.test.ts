/** The compose file as shipped: nothing published beyond this machine, fairness on. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

const ROOT = join(__dirname, '../..');
const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');

describe('docker-compose.yml', () => {
  test('every published port is bound to 127.0.0.1', () => {
    const published = [...compose.matchAll(/^\s+ports:\n((?:\s+- .*\n)+)/gm)].flatMap((m) =>
      m[1]
        .trim()
        .split('\n')
        .map((line) => line.replace(/^\s*-\s*/, '').replace(/'/g, '')),
    );
    assert.deepEqual(published, ['127.0.0.1:7233:7233', '127.0.0.1:8080:8080', '127.0.0.1:9464:9464']);
  });

  test('the server reads a dynamic config that turns fairness on', () => {
    assert.match(compose, /DYNAMIC_CONFIG_FILE_PATH: \/etc\/temporal\/config\/dynamicconfig\/durable-video\.yaml/);
    assert.match(
      compose,
      /\.\/deploy\/compose\/dynamicconfig\.yaml:\/etc\/temporal\/config\/dynamicconfig\/durable-video\.yaml:ro/,
    );
    const dynamic = readFileSync(join(ROOT, 'deploy/compose/dynamicconfig.yaml'), 'utf8');
    assert.match(dynamic, /^matching\.enableFairness:\n {2}- value: true$/m);
  });
});
