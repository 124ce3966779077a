/** The console's rules without a server: when it may start, tokens, sessions, redirects, checks. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { BUILTIN_CATALOG } from '../../src/catalog';
import { checkManifest } from '../../src/campaign/check';
import { readManifest } from '../../src/campaign/manifest';
import { safeNext, sameSecret, sessionValue } from '../../src/console/auth';
import { loadConsoleConfig } from '../../src/console/config';

describe('console configuration', () => {
  test('loopback by default; no token is allowed only on loopback outside production', () => {
    const dev = loadConsoleConfig({});
    assert.equal(dev.host, '127.0.0.1');
    assert.equal(dev.port, 8090);
    assert.equal(dev.token, undefined);
    assert.throws(
      () => loadConsoleConfig({ VIDEO_CONSOLE_ADDRESS: '0.0.0.0:8090' }),
      /VIDEO_CONSOLE_TOKEN is required/,
    );
    assert.throws(
      () => loadConsoleConfig({ NODE_ENV: 'production' }),
      /VIDEO_CONSOLE_TOKEN is required .* in production/,
    );
    const open = loadConsoleConfig({ VIDEO_CONSOLE_ADDRESS: '0.0.0.0:9000', VIDEO_CONSOLE_TOKEN: 'x'.repeat(32) });
    assert.deepEqual([open.host, open.port], ['0.0.0.0', 9000]);
    assert.throws(() => loadConsoleConfig({ VIDEO_CONSOLE_TOKEN: 'short' }), /at least 16 characters/);
    assert.throws(() => loadConsoleConfig({ VIDEO_CONSOLE_ADDRESS: 'nope' }), /host:port/);
    assert.equal(loadConsoleConfig({ VIDEO_CONSOLE_ADDRESS: '[::1]:8091' }).host, '::1');
  });

  test('tokens compare whole; the cookie holds a digest, not the token; redirects stay on the site', () => {
    assert.ok(sameSecret('a-token-of-some-length', 'a-token-of-some-length'));
    assert.ok(!sameSecret('a-token-of-some-length', 'a-token-of-some-lengtH'));
    assert.ok(!sameSecret('', 'a-token-of-some-length'));
    assert.ok(!sessionValue('a-token-of-some-length').includes('a-token'));
    assert.equal(safeNext('/campaigns/x?page=2'), '/campaigns/x?page=2');
    assert.equal(safeNext('//evil.example/'), '/');
    assert.equal(safeNext('https://evil.example/'), '/');
    assert.equal(safeNext('/\\evil.example'), '/');
  });

  test('campaign check: the campaign rules, every problem by line, the worst case of the valid rows', async () => {
    const text =
      'id,prompt,model,duration_seconds\na,one,wan-2-1,4\nb,two,veo-3-1,8\nb,three,wan-2-1,4\nc,,wan-2-1,4\nd,four,no-such-model,4\n';
    const checked = await checkManifest(
      readManifest(Readable.from([Buffer.from(text)]), 'csv'),
      'csv',
      { concurrency: 0 },
      BUILTIN_CATALOG,
    );
    assert.equal(checked.rows, 5);
    assert.equal(checked.problem_count, 3);
    assert.match(checked.problems[0], /^line 4: duplicate id "b"/);
    assert.match(checked.problems[1], /^line 5 \(id c\): prompt/);
    assert.match(checked.problems[2], /^line 6 \(id d\): .*no-such-model/);
    assert.match(checked.settings_problems.join(), /concurrency/);
    const good = await checkManifest(
      readManifest(Readable.from([Buffer.from('prompt,model\none,wan-2-1\ntwo,wan-2-1\n')]), 'csv'),
      'csv',
      { max_credits: 100 },
      BUILTIN_CATALOG,
    );
    assert.deepEqual([good.rows, good.valid, good.problem_count, good.worst_case_credits], [2, 2, 0, 80]);
  });
});
