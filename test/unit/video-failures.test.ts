/** What a failure means: the decisions GenerateVideo takes after a failed submit, poll or job. */
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure, TimeoutType } from '@temporalio/common';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  afterPollFailure,
  afterSubmitFailure,
  chainExhausted,
  factsOf,
  failureDetails,
  videoFailure,
  type FailureFacts,
} from '../../src/workflows/video-failures';
import type { Attempt } from '../../src/workflows/messages';

const facts = (type: string, http_status?: number): FailureFacts => ({
  type,
  message: 'm',
  http_status,
  timed_out: false,
});
const activityFailure = (cause: Error) =>
  new ActivityFailure('failed', 'submitVideoJob', '1', RetryState.MAXIMUM_ATTEMPTS_REACHED, 'worker', cause);

describe('failure decisions', () => {
  test('facts are read through an ActivityFailure: type, message, HTTP status, time-out', () => {
    const app = ApplicationFailure.create({
      type: 'QuotaExceeded',
      message: 'slow down',
      details: [{ http_status: 429 }],
    });
    assert.deepEqual(factsOf(activityFailure(app)), {
      type: 'QuotaExceeded',
      message: 'slow down',
      http_status: 429,
      timed_out: false,
    });
    const timeout = factsOf(activityFailure(new TimeoutFailure('deadline', undefined, TimeoutType.SCHEDULE_TO_CLOSE)));
    assert.equal(timeout.timed_out, true);
    assert.equal(timeout.type, 'Timeout');
  });

  test('after a submit: stop on final failures, next model only when the gateway did not take the job', () => {
    const table: [FailureFacts, string][] = [
      [facts('InvalidInput', 400), 'stop'],
      [facts('SafetyRefusal', 400), 'stop'],
      [facts('InsufficientCredit', 402), 'stop'],
      [facts('Unauthorized', 401), 'stop'],
      [facts('QuotaExceeded', 429), 'next_model'],
      [facts('ProviderFailed', 503), 'next_model'],
      // The job may exist: the same idempotency key again, never a second model.
      [facts('ProviderFailed', 500), 'resubmit'],
      [facts('ProviderFailed', 502), 'resubmit'],
      [facts('ProviderFailed', 409), 'resubmit'],
      [facts('ProviderFailed'), 'resubmit'],
      [{ ...facts('Timeout'), timed_out: true }, 'resubmit'],
    ];
    for (const [f, expected] of table) assert.equal(afterSubmitFailure(f), expected, JSON.stringify(f));
  });

  test('after a poll: an outage is waited out; only a lost job or a refused key ends the attempt', () => {
    assert.equal(afterPollFailure(facts('ProviderFailed', 503)), 'retry_later');
    assert.equal(afterPollFailure(facts('ProviderFailed')), 'retry_later');
    assert.equal(afterPollFailure(facts('QuotaExceeded', 429)), 'retry_later');
    assert.equal(afterPollFailure(facts('InvalidInput', 404)), 'job_lost');
    assert.equal(afterPollFailure(facts('InvalidInput', 410)), 'job_lost');
    assert.equal(afterPollFailure(facts('Unauthorized', 401)), 'stop');
  });

  const attempt = (model: string, error_type: string, error?: string): Attempt => ({
    attempt: 1,
    model,
    started_at: '',
    outcome: 'failed',
    error_type,
    error,
    params: { duration_seconds: 4, resolution: '720p', aspect_ratio: '16:9' },
    adjustments: [],
    credits_estimated: 1,
  });

  test('an exhausted chain: one model keeps its own type, a chain is AllModelsFailed', () => {
    const single = chainExhausted([attempt('veo-3-1', 'SafetyRefusal', 'nope')], 1);
    assert.equal(single.type, 'SafetyRefusal');
    const chain = chainExhausted([attempt('veo-3-1', 'QuotaExceeded'), attempt('wan-2-1', 'ProviderFailed', 'x')], 2);
    assert.equal(chain.type, 'AllModelsFailed');
    assert.match(chain.message, /veo-3-1: QuotaExceeded; wan-2-1: ProviderFailed \(x\)/);
    assert.equal(failureDetails(chain)?.attempts.length, 2);
  });

  test('failure details are read back through wrappers, and absent on foreign failures', () => {
    const failure = videoFailure('MirrorFailed', 'm', { attempts: [], job_id: 'j', provider_url: 'https://x' });
    assert.equal(failureDetails(activityFailure(failure))?.provider_url, 'https://x');
    assert.equal(failureDetails(ApplicationFailure.create({ message: 'other', details: ['x'] })), undefined);
    assert.equal(failureDetails(new Error('plain')), undefined);
  });
});
