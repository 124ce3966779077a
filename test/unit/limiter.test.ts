/** The mirror limiter: never more than N at once, in order, and a cancelled wait gives its turn away. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Limiter } from '../../src/activities/limiter';

const tick = () => new Promise((resolve) => setImmediate(resolve));
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

test('at most N run at once, first come first served', async () => {
  const limiter = new Limiter(2);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  const gates = Array.from({ length: 6 }, deferred);
  const runs = gates.map((gate, i) =>
    limiter.run(async () => {
      running += 1;
      most = Math.max(most, running);
      order.push(i);
      await gate.promise;
      running -= 1;
    }),
  );
  for (const gate of gates) {
    await tick();
    gate.resolve();
  }
  await Promise.all(runs);
  assert.equal(most, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
});

test('a wait that is aborted leaves the queue; the place goes to the next', async () => {
  const limiter = new Limiter(1);
  const first = deferred();
  const holding = limiter.run(() => first.promise);
  const abort = new AbortController();
  let beats = 0;
  const cancelled = limiter.run(async () => assert.fail('an aborted wait must not run'), {
    signal: abort.signal,
    waiting: () => (beats += 1),
    everyMs: 1,
  });
  let ranThird = false;
  const third = limiter.run(async () => void (ranThird = true));
  await new Promise((resolve) => setTimeout(resolve, 20)); // lets the waiting heartbeat fire
  abort.abort(new Error('cancelled'));
  await assert.rejects(cancelled, /cancelled/);
  first.resolve();
  await holding;
  await third;
  assert.ok(ranThird);
  assert.ok(beats > 0, 'a waiting mirror heartbeats');
});
