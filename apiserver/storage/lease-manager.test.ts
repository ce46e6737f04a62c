// Lease sharing rules with a fake grant and clock (the real thing against etcd:
// etcd-event-ttl.integration.test.ts).

import { expect, test } from 'vitest';
import { LeaseManager } from './lease-manager.js';

function setup(maxObjectsPerLease?: number) {
  let t = 0;
  const grants: number[] = [];
  const m = new LeaseManager({
    now: () => t,
    maxObjectsPerLease,
    grant: async (ttlSeconds) => {
      grants.push(ttlSeconds);
      await new Promise((r) => setTimeout(r, 5));
      return { id: `lease-${grants.length}`, ttlSeconds };
    },
  });
  return { m, grants, advance: (ms: number) => (t += ms) };
}

test('writes within the reuse window (5 % of the ttl, at most 60 s) share one lease granted for ttl + reuse', async () => {
  const { m, grants, advance } = setup();
  const hour = 3_600_000;
  expect(await m.leaseFor(hour)).toBe('lease-1');
  advance(59_000);
  expect(await m.leaseFor(hour)).toBe('lease-1');
  advance(2_000); // past the 60 s window: an object must live a full hour
  expect(await m.leaseFor(hour)).toBe('lease-2');
  expect(grants).toEqual([3660, 3660]);
  // A short ttl gets a short window: 5 % of 10 s, rounded up to etcd's whole seconds.
  expect(await m.leaseFor(10_000)).toBe('lease-3');
  advance(900);
  expect(await m.leaseFor(10_000)).toBe('lease-3');
  advance(200);
  expect(await m.leaseFor(10_000)).toBe('lease-4');
  expect(grants.slice(2)).toEqual([11, 11]);
});

test('concurrent writes wait for one grant; a full lease is replaced; a forgotten one is never handed out again', async () => {
  const { m, grants } = setup(3);
  const ids = await Promise.all(Array.from({ length: 7 }, () => m.leaseFor(60_000)));
  expect(ids).toEqual(['lease-1', 'lease-1', 'lease-1', 'lease-2', 'lease-2', 'lease-2', 'lease-3']);
  expect(grants).toHaveLength(3);
  m.forget('lease-3');
  expect(await m.leaseFor(60_000)).toBe('lease-4');
});
