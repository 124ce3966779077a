/**
 * Replays recorded histories (scripts/record-histories.ts) against today's workflow code. A change
 * that would break workflows already running in production fails here with a nondeterminism error.
 * The recordings are the 1.0 baseline (docs/versioning.md): no patches yet, and one history for every
 * workflow type, every signal and update, and both poll modes; later additions that change no command
 * (a watch's `upstreamStatus` signal) are recorded beside it.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { workflowBundle } from './helpers/world';

const DIR = join(__dirname, 'histories');

describe('replay of recorded histories', () => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const all = files.map((f) => readFileSync(join(DIR, f), 'utf8')).join('\n');

  test('every workflow type, message and poll mode is recorded', () => {
    const seen = (pattern: RegExp) => pattern.test(all);
    for (const type of ['GenerateVideo', 'VideoCampaign', 'RemirrorFinishedJob']) {
      assert.ok(seen(new RegExp(`"workflowType": \\{\\s*"name": "${type}"`)), `a ${type} history`);
    }
    for (const signal of ['cancel', 'fallback', 'upstreamStatus', 'pause', 'resume', 'retry_failed']) {
      assert.ok(seen(new RegExp(`"signalName": "${signal}"`)), `the ${signal} signal`);
    }
    for (const update of ['requestFallback', 'waitForSubmit']) {
      assert.ok(seen(new RegExp(`"name": "${update}"`)), `the ${update} update`);
    }
    assert.ok(seen(/"activityType": \{\s*"name": "watchVideoJob"/), 'poll_mode "activity" (watch activity)');
    assert.ok(seen(/"activityType": \{\s*"name": "generateVideoInActivity"/), 'row_runner "activity"');
    assert.ok(seen(/"markerName": "core_local_activity"/), 'poll_mode "timer" (local poll activity)');
    assert.ok(seen(/"workflowExecutionContinuedAsNewEventAttributes"/), 'a run that continued as new');
  });

  test('the 1.0 baseline carries no patch markers: each later patch adds its own', () => {
    assert.equal(all.match(/"markerName": "core_patch"/g)?.length ?? 0, 0);
  });

  for (const file of files) {
    test(file, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8')));
      // The real workflow id: child workflow ids derive from it.
      const workflowId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId || file;
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
    });
  }
});
