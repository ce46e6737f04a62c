import { expect, test } from 'vitest';
import { errors } from '../../api/errors.js';
import { silentLogger } from '../../foundation/logger.js';
import type { StorageEvent } from './types.js';
import { WatchSubscriber } from './watch-subscriber.js';

const ev = (revision: number): StorageEvent => ({ type: 'ADDED', object: { metadata: { name: `o${revision}` } }, revision });
const tick = () => new Promise((r) => setTimeout(r, 0));

function make(maxQueue = 100, onEvent: (e: StorageEvent) => unknown = () => undefined) {
  const got: number[] = [];
  const errs: Error[] = [];
  let closed = 0;
  const s = new WatchSubscriber(
    1,
    10,
    { onEvent: (e) => (got.push(e.revision), onEvent(e) as void), onError: (e) => errs.push(e) },
    maxQueue,
    silentLogger(),
    () => closed++,
  );
  return { s, got, errs, closedCount: () => closed };
}

test('delivers only events after what it already has, in order, asynchronously', async () => {
  const { s, got } = make();
  s.push([ev(9), ev(10), ev(11)]);
  expect(got).toEqual([]); // never re-entrant inside push
  s.push([ev(11), ev(12)]);
  await tick();
  expect(got).toEqual([11, 12]);
  expect(s.lastDelivered).toBe(12);
});

test('an error is delivered after the queued events and closes the subscriber once', async () => {
  const { s, got, errs, closedCount } = make();
  s.push([ev(11), ev(12)]);
  s.fail(errors.expired('gone'));
  s.push([ev(13)]);
  await tick();
  expect(got).toEqual([11, 12]);
  expect(errs.map((e) => e.message)).toEqual(['gone']);
  expect(closedCount()).toBe(1);
  s.close();
  expect(closedCount()).toBe(1);
});

test('a big batch to a subscriber that keeps up is fine', async () => {
  const { s, got, errs } = make(5);
  s.push(Array.from({ length: 50 }, (_, i) => ev(11 + i)));
  await tick();
  expect(got).toHaveLength(50);
  expect(errs).toEqual([]);
});

test('a handler promise pauses delivery; overflowing the queue drops the subscriber with 410', async () => {
  let release!: () => void;
  const { s, got, errs } = make(5, () => new Promise<void>((r) => (release = r)));
  s.push([ev(11), ev(12), ev(13)]);
  await tick();
  expect(got).toEqual([11]);
  expect(s.idle).toBe(false);
  release();
  await tick();
  expect(got).toEqual([11, 12]);
  s.push([14, 15, 16, 17, 18].map(ev)); // stuck on 12: 13..18 queued, past the limit of 5
  expect(errs).toHaveLength(0);
  s.push([ev(18)]); // nothing new: not a reason to drop
  expect(errs).toHaveLength(0);
  s.push([19].map(ev));
  expect(errs).toHaveLength(1);
  expect(errs[0]!.message).toBe('watcher too slow, relist');
  expect(s.closed).toBe(true);
  release();
  await tick();
  expect(got).toEqual([11, 12]);
});

test('a throwing handler ends the subscriber with an error instead of breaking the feed', async () => {
  const { s, got, errs } = make(100, () => {
    throw new Error('boom');
  });
  s.push([ev(11), ev(12)]);
  await tick();
  expect(got).toEqual([11]);
  expect(s.closed).toBe(true);
  expect(errs.map((e) => e.message)).toEqual(['watch event handler failed: boom']);
});
