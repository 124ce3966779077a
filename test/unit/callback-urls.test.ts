/**
 * Callback URLs are parsed and held to the address rules when the input is checked, before anything
 * is spent: the same rules delivery applies to the address it connects to.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { callbackProblem } from '../../src/activities/callback';
import { addressProblem, callbackUrlProblem } from '../../src/addresses';
import { parseGenerateVideoInput } from '../../src/request';

const SECRET = 'a callback secret of 32 bytes!!!';
const refusedAtStart = (callback_url: string) =>
  assert.throws(
    () => parseGenerateVideoInput({ prompt: 'x', callback_url }),
    (e: { type?: string; message: string }) => e.type === 'InvalidInput' && /callback_url/.test(e.message),
    callback_url,
  );

describe('callback URLs', () => {
  test('look-alikes of loopback, metadata and private addresses are refused by the schema', () => {
    for (const url of [
      'http://127.0.0.1.evil.example/hook', // a DNS name that starts like loopback
      'http://localhost.evil.example/hook',
      'http://example.com/hook',
      'https://169.254.169.254/latest/meta-data/',
      'https://[fd00:ec2::254]/',
      'https://[::ffff:a9fe:a9fe]/',
      'https://10.0.0.1/hook',
      'https://192.168.1.1/hook',
      'https://0.0.0.0/hook',
      'https://user:password@example.com/hook',
    ]) {
      refusedAtStart(url);
    }
  });

  test('https anywhere public, and http to loopback, pass the schema', () => {
    for (const url of [
      'https://example.com/hook',
      'https://93.184.215.14/hook',
      'http://localhost:8080/hook',
      'http://127.0.0.1:9/hook',
      'http://[::1]:9/hook',
      'http://0x7f.1:9/hook',
    ]) {
      assert.equal(parseGenerateVideoInput({ prompt: 'x', callback_url: url }).callback_url, url);
    }
  });

  test('property: an address literal passes exactly when delivery could connect to it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV4Extended()), (ip) => {
        const host = new URL(`https://${ip}/`).hostname;
        const allowed = addressProblem(host, { allowLoopback: true }) === undefined;
        assert.equal(callbackUrlProblem(`https://${ip}/hook`) === undefined, allowed, ip);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const allowed = addressProblem(ip, { allowLoopback: true }) === undefined;
        assert.equal(callbackUrlProblem(`https://[${ip}]/hook`) === undefined, allowed, ip);
      }),
      { numRuns: 3000 },
    );
  });

  test("the worker's check: its secret and its own loopback switch, before anything is spent", async () => {
    const loopback = 'http://127.0.0.1:9/hook';
    assert.match((await callbackProblem('https://93.184.215.14/h', {})) ?? '', /VIDEO_CALLBACK_SECRET/);
    assert.match((await callbackProblem(loopback, { callbackSecret: SECRET })) ?? '', /loopback/);
    assert.match(
      (await callbackProblem('https://[::1]/h', { callbackSecret: SECRET, callbacks: {} })) ?? '',
      /loopback/,
    );
    const dev = { callbackSecret: SECRET, callbacks: { allowLoopback: true } };
    assert.equal(await callbackProblem(loopback, dev), undefined);
    assert.equal(await callbackProblem('https://93.184.215.14/h', { callbackSecret: SECRET }), undefined);
  });
});
