/**
 * A watch tells the workflow of a new status word and goes on checking (the cadence holds); it returns
 * for an ending, its maximum time, or when it cannot tell. A fake activity context: no server needed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Context } from '@temporalio/activity';
import { watchJob, type TellStatus } from '../../src/activities/watch';
import type { WatchInput } from '../../src/activities/types';
import type { GatewayJob } from '../../src/gateway/types';
import type { UpstreamStatus } from '../../src/workflows/messages';

const fakeContext = {
  sleep: () => Promise.resolve(),
  heartbeat: () => undefined,
  info: { currentAttemptScheduledTimestampMs: Date.now() },
  log: { warn: () => undefined },
  metricMeter: { createCounter: () => ({ add: () => undefined }) },
} as unknown as Context;

const input = (extra: Partial<WatchInput> = {}): WatchInput => ({
  job_id: 'job-1',
  model: 'wan-2-1',
  submitted_at_ms: Date.now(),
  poll_interval_ms: 5000,
  last: { upstream_status: 'queued' },
  max_ms: 60_000,
  ...extra,
});

/** A gateway that answers these statuses in turn, then the last one forever. */
function answers(...statuses: [GatewayJob['status'], string?][]) {
  let i = 0;
  const checks: string[] = [];
  const check = async (): Promise<GatewayJob> => {
    const [status, url] = statuses[Math.min(i++, statuses.length - 1)];
    checks.push(status);
    return { job_id: 'job-1', status, upstream_status: status, ...(url ? { video_url: url } : {}) };
  };
  return { check, checks };
}

describe('watch: status news without a hand-over', () => {
  test('told of processing, it goes on and returns the ending', async () => {
    const told: UpstreamStatus[] = [];
    const tell: TellStatus = async (news) => void told.push(news);
    const gateway = answers(['queued'], ['processing'], ['processing'], ['succeeded', 'https://v']);
    const out = await watchJob(fakeContext, input({ tell_status: true }), gateway.check, tell);
    assert.equal(out.status, 'succeeded');
    assert.deepEqual(gateway.checks, ['queued', 'processing', 'processing', 'succeeded']);
    assert.deepEqual(
      told.map((n) => n.status),
      ['processing'],
      'told once per new status word',
    );
  });

  test('returns with the news when it cannot tell, or was not asked to', async () => {
    const failing: TellStatus = () => Promise.reject(new Error('server unreachable'));
    for (const [extra, tell] of [
      [{ tell_status: true }, failing],
      [{}, async () => undefined],
    ] as const) {
      const gateway = answers(['processing'], ['succeeded', 'https://v']);
      const out = await watchJob(fakeContext, input(extra), gateway.check, tell);
      assert.equal(out.status, 'processing');
      assert.deepEqual(gateway.checks, ['processing']);
    }
  });

  test('a tell that hangs is handed over after a while; the news names the job the workflow knows', async () => {
    const hanging: TellStatus = () => new Promise(() => undefined);
    const gateway = answers(['processing'], ['succeeded', 'https://v']);
    const out = await watchJob(fakeContext, input({ tell_status: true, poll_interval_ms: 50 }), gateway.check, hanging);
    assert.equal(out.status, 'processing', 'handed over once the tell timed out');

    const told: UpstreamStatus[] = [];
    const echoing = async (): Promise<GatewayJob> => ({
      job_id: 'gateway-echo',
      status: 'processing',
      upstream_status: 'running',
    });
    let checks = 0;
    await watchJob(
      fakeContext,
      input({ tell_status: true }),
      async () => (++checks === 1 ? echoing() : { job_id: 'x', status: 'failed', upstream_status: 'failed' }),
      async (news) => void told.push(news),
    );
    assert.equal(told[0]?.job_id, 'job-1', "the input's job id, not the gateway's echo");
  });

  test('an ending is returned, never told', async () => {
    for (const status of ['failed', 'cancelled'] as const) {
      const told: UpstreamStatus[] = [];
      const gateway = answers([status]);
      const out = await watchJob(fakeContext, input({ tell_status: true }), gateway.check, async (n) => {
        told.push(n);
      });
      assert.equal(out.status, status);
      assert.deepEqual(told, []);
    }
  });
});
