/** Progress between hand-overs (poll_mode "activity"): the watch's heartbeat over the query's answer. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withWatchProgress } from '../../src/client/watch-progress';
import type { WatchHeartbeat } from '../../src/activities/watch';
import type { VideoProgress } from '../../src/workflows/messages';

const answer = (extra: Partial<VideoProgress> = {}): VideoProgress => ({
  status: 'processing',
  progress: 10,
  progress_source: 'upstream',
  model: 'veo-3-1-fast',
  job_id: 'job-1',
  attempt: 1,
  attempts: [],
  elapsed_ms: 1000,
  deadline: '',
  upstream_status: 'processing',
  poll_failures: 0,
  rejected_requests: [],
  ...extra,
});
const seen = (extra: Partial<WatchHeartbeat> = {}): WatchHeartbeat => ({
  job_id: 'job-1',
  status: 'processing',
  upstream_status: 'processing',
  progress: 60,
  checked_at_ms: 0,
  polls: 7,
  ...extra,
});

describe('progress from the watch heartbeat', () => {
  test('a newer upstream figure for the same job is shown as the workflow would show it', () => {
    const merged = withWatchProgress(answer(), seen());
    assert.equal(merged.progress, 57); // 95% of the gateway's 60: the rest is mirroring
    assert.equal(merged.progress_source, 'upstream');
  });
  test('malformed details (another version, another process) leave the answer as it is', () => {
    for (const bad of [
      { progress: 'ninety' },
      { progress: Number.NaN },
      { checked_at_ms: undefined },
      { upstream_status: 42 },
      { job_id: null },
    ]) {
      const merged = withWatchProgress(answer(), { ...seen(), ...bad } as unknown as WatchHeartbeat);
      assert.deepEqual(merged, answer(), JSON.stringify(bad));
    }
  });
  test('never backwards, never another job, never after the job left the gateway', () => {
    assert.equal(withWatchProgress(answer({ progress: 70 }), seen()).progress, 70);
    assert.equal(withWatchProgress(answer(), seen({ job_id: 'job-0' })).progress, 10);
    assert.equal(withWatchProgress(answer({ status: 'mirroring', progress: 95 }), seen()).progress, 95);
    assert.equal(withWatchProgress(answer(), undefined).progress, 10);
  });
  test('a job without a gateway figure: the estimate rises to the last check; the newest status word', () => {
    const since = Date.parse('2026-01-01T00:00:00Z');
    const estimated = answer({
      progress: 0,
      progress_source: 'estimated',
      processing_since: new Date(since).toISOString(),
    });
    const merged = withWatchProgress(
      estimated,
      seen({ progress: undefined, upstream_status: 'rendering', checked_at_ms: since + 45_000 }),
    );
    assert.equal(merged.progress, 57); // 90 x (1 - e^-1): the workflow's own estimate 45 s in
    assert.equal(merged.progress_source, 'estimated');
    assert.equal(merged.upstream_status, 'rendering');
    assert.equal(withWatchProgress({ ...estimated, progress: 70 }, seen({ progress: undefined })).progress, 70);
  });
});
