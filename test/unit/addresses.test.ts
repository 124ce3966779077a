/** Which addresses a mirror may connect to: every spelling of a forbidden host is refused. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addressProblem, DEFAULT_DOWNLOAD_POLICY } from '../../src/activities/safe-download';

const strict = DEFAULT_DOWNLOAD_POLICY;
const dev = { ...DEFAULT_DOWNLOAD_POLICY, allowLoopback: true };

describe('mirror address rules', () => {
  test('loopback, private, link-local and metadata hosts in every IPv4 and IPv6 form are refused', () => {
    const forbidden = [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd00:ec2::254',
      'ff02::1',
      // IPv4-mapped, written both ways
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '0:0:0:0:0:ffff:a00:1',
      // NAT64 (RFC 6052), 6to4 (RFC 3056), IPv4-compatible, Teredo
      '64:ff9b::7f00:1',
      '64:ff9b::a9fe:a9fe',
      '2002:7f00:1::1',
      '2002:a9fe:a9fe::',
      '::7f00:1',
      '2001:0:4136:e378::1',
    ];
    for (const address of forbidden) assert.ok(addressProblem(address, strict), address);
  });

  test('public addresses pass, in every form', () => {
    for (const address of ['8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1']) {
      assert.equal(addressProblem(address, strict), undefined, address);
    }
  });

  test('loopback only when allowed (the simulator), and then in its mapped forms too; private never', () => {
    for (const address of ['127.0.0.1', '::1', '::ffff:7f00:1'])
      assert.equal(addressProblem(address, dev), undefined, address);
    for (const address of ['10.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::a00:1'])
      assert.ok(addressProblem(address, dev), address);
  });

  test('what is not an address is refused', () => {
    assert.ok(addressProblem('not-an-ip', strict));
  });
});
