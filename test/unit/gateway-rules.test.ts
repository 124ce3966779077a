/** The gateway's words, read without a network: status words, safety refusals, HTTP errors. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyHttpError, classifyJobError, isSafetyRefusal } from '../../src/gateway/errors';
import { JobResponse, normaliseStatus } from '../../src/gateway/schemas';

describe('status words', () => {
  test('known endings end a job; every other word means "still working"', () => {
    for (const word of ['completed', 'succeeded', 'Success', 'done'])
      assert.equal(normaliseStatus(word), 'succeeded', word);
    for (const word of ['failed', 'error', 'expired', 'timed out']) assert.equal(normaliseStatus(word), 'failed', word);
    for (const word of ['cancelled', 'canceled', 'aborted']) assert.equal(normaliseStatus(word), 'cancelled', word);
    assert.equal(normaliseStatus('pending'), 'queued');
    for (const word of ['constructor', '__proto__', 'toString', 'hasOwnProperty'])
      assert.equal(normaliseStatus(word), 'working', `"${word}" is an unfamiliar word, nothing more`);
    assert.equal(normaliseStatus('in-progress'), 'processing');
    // Words no seed lists: a gateway that adds a stage must never make us abandon a paid job.
    for (const word of ['upscaling', 'unknown', 'post_processing', 'STAGE_7', '', 'safety_review', 'finalizing']) {
      assert.equal(normaliseStatus(word), 'working', word);
    }
  });

  test('a job answer keeps the unfamiliar word for operators', () => {
    const job = JobResponse.parse({ job_id: 'j', state: 'transcoding' });
    assert.equal(job.status, 'working');
    assert.equal(job.upstream_status, 'transcoding');
  });

  test('several videos are read from every list spelling, the first one first', () => {
    const job = JobResponse.parse({
      id: 'j',
      status: 'succeeded',
      result: { url: 'https://a', videos: [{ url: 'https://a' }, { video_url: 'https://b' }, 'https://c'] },
    });
    assert.deepEqual(
      job.videos?.map((v) => v.url),
      ['https://a', 'https://b', 'https://c'],
    );
    assert.equal(job.video_url, 'https://a');
    const bare = JobResponse.parse({ id: 'j', status: 'succeeded', videos: ['https://x', 'https://y'] });
    assert.equal(bare.video_url, 'https://x');
  });
});

describe('safety refusals', () => {
  test('the structured code decides first', () => {
    for (const code of ['content_policy_violation', 'SAFETY', 'moderation_blocked', 'responsible_ai_policy', 'nsfw']) {
      assert.equal(isSafetyRefusal(code, 'whatever'), true, code);
    }
    assert.equal(isSafetyRefusal('invalid_request', undefined), false);
  });

  test('real refusals in words are caught', () => {
    for (const message of [
      'The prompt was refused by the provider safety system.',
      'Request blocked by content policy',
      'This request violates our usage policies.',
      'Generation rejected for safety reasons',
      'Output flagged by moderation',
      'Prompt rejected by moderation',
      'NSFW content detected',
    ]) {
      assert.equal(isSafetyRefusal(undefined, message), true, message);
    }
  });

  test('look-alikes are not refusals (a SafetyRefusal is final: no retry, no fallback)', () => {
    for (const message of [
      'upstream connection refused',
      'ECONNREFUSED 10.0.0.1:443',
      "parameter 'person_generation' refused for this model",
      'request rejected: duration too long',
      'provider refused to answer in time',
      'safety-net timeout while rendering',
    ]) {
      assert.equal(isSafetyRefusal(undefined, message), false, message);
    }
  });

  test('HTTP answers: refusal, look-alike 4xx, 409 key in use', () => {
    const op = { operation: 'submit' };
    const refusal = classifyHttpError(
      400,
      JSON.stringify({ error: { code: 'content_policy_violation', message: 'no' } }),
      null,
      op,
    );
    assert.equal(refusal.type, 'SafetyRefusal');
    const lookalike = classifyHttpError(
      400,
      JSON.stringify({ error: { code: 'invalid_request', message: 'aspect 4:3 refused' } }),
      null,
      op,
    );
    assert.equal(lookalike.type, 'InvalidInput');
    const conflict = classifyHttpError(409, JSON.stringify({ error: { code: 'idempotency_key_in_use' } }), '2', op);
    assert.equal(conflict.type, 'ProviderFailed');
    assert.equal(conflict.details.retryable, true, 'the same key is tried again; the job may exist');
    assert.equal(conflict.details.retryAfterMs, 2000);
  });

  test('failed jobs: refusal by code or phrase, look-alikes are provider failures', () => {
    assert.equal(classifyJobError({ error_code: 'safety', error: 'x' }), 'SafetyRefusal');
    assert.equal(classifyJobError({ error: 'Refused by the safety filter' }), 'SafetyRefusal');
    assert.equal(classifyJobError({ error: 'upstream connection refused' }), 'ProviderFailed');
    assert.equal(classifyJobError({}), 'ProviderFailed');
  });
});

describe('several videos, signed anew', () => {
  test('a list that repeats the first video with a fresh signature does not count it twice', () => {
    const job = JobResponse.parse({
      id: 'j',
      status: 'succeeded',
      result: {
        url: 'https://g/v1.mp4?sig=a',
        videos: [{ url: 'https://g/v1.mp4?sig=b' }, { url: 'https://g/v2.mp4?sig=c' }],
      },
    });
    assert.deepEqual(
      job.videos?.map((v) => v.url),
      ['https://g/v1.mp4?sig=a', 'https://g/v2.mp4?sig=c'],
    );
  });
});

describe('watching a job (poll_mode "activity")', () => {
  const job = (extra: Partial<import('../../src/gateway/types').GatewayJob>) => ({
    job_id: 'j',
    status: 'processing' as const,
    upstream_status: 'running',
    ...extra,
  });
  test('report endings and new status words; never progress alone (it goes in the heartbeat)', async () => {
    const { jobChanged } = await import('../../src/activities/watch.js');
    const last = { upstream_status: 'running', progress: 12 };
    assert.equal(jobChanged(job({ progress: 24 }), last), false);
    assert.equal(jobChanged(job({ progress: 25 }), last), false);
    assert.equal(jobChanged(job({ progress: 99 }), last), false);
    assert.equal(
      jobChanged(job({ upstream_status: 'upscaling', status: 'working' as never, progress: 12 }), last),
      true,
    );
    assert.equal(
      jobChanged(job({ status: 'succeeded' as never, progress: 12 }), last),
      false,
      'no URL yet: still working',
    );
    assert.equal(jobChanged(job({ status: 'succeeded' as never, video_url: 'https://v', progress: 12 }), last), true);
    assert.equal(jobChanged(job({ status: 'failed' as never, progress: 12 }), last), true);
  });
});

test('text a gateway controls is kept short in the job we record', () => {
  const job = JobResponse.parse({
    job_id: 'j1',
    status: 'w'.repeat(10_000),
    model: 'm'.repeat(10_000),
    error: { message: 'e'.repeat(100_000), code: 'c'.repeat(10_000) },
    mirror_status: 's'.repeat(10_000),
  });
  assert.ok(job.upstream_status.length <= 100);
  assert.ok(job.model!.length <= 100);
  assert.ok(job.error!.length <= 1000);
  assert.ok(job.error_code!.length <= 100);
  assert.ok(job.mirror_status!.length <= 100);
  assert.equal(job.status, 'working', 'a long unfamiliar word is still only a word');
});
