/**
 * Replays recorded histories (scripts/record-histories.ts) against today's workflow code. A change
 * that would break workflows already running in production fails here with a nondeterminism error.
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
  test('there are recorded histories to replay', () => assert.ok(files.length >= 12, files.join(', ')));

  // A change that alters the commands of running workflows ships behind patched(): campaigns gained
  // search attributes in version 2; version 1 histories (no patch marker) must still replay, and new
  // ones carry the marker. Both are replayed below against today's code.
  test('the campaign search-attributes patch: absent from the old history, present in the new one', () => {
    const markers = (file: string) =>
      readFileSync(join(DIR, file), 'utf8').match(/"markerName": "core_patch"/g)?.length ?? 0;
    assert.equal(markers('campaign.json'), 0);
    assert.equal(markers('v2-campaign.json'), 1);
    // Version 3 (rows and results in the store) is its own patch; versions 1 and 2 replay without it.
    assert.equal(markers('v3-campaign.json'), 1);
    // GenerateVideo version 4 checks its input in a local activity (request-checked-by-activity);
    // earlier videos check it in the sandbox and carry no marker.
    for (const file of ['v4-happy-path-activity.json', 'v4-invalid-input.json', 'v4-steered.json']) {
      assert.equal(markers(file), 1, file);
    }
    assert.equal(markers('happy-path-infery.json'), 0);
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
