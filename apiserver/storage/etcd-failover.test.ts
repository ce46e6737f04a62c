// MemberHealth and memberPolicy (pure logic; the failover itself is proven against a real
// three-member etcd by test/cluster/scenarios/ha-etcd.test.ts).

import { describe, expect, it } from 'vitest';
import { MemberHealth, MemberSkippedError, isNoLeaderError, memberPolicy } from './etcd-failover.js';

const hosts = ['http://a:2379', 'http://b:2379', 'http://c:2379'];

describe('MemberHealth', () => {
  it('skips a failed member for 1 s, doubling while it keeps failing, until a success', () => {
    let now = 0;
    const h = new MemberHealth(hosts, () => now);
    h.failed(hosts[0]);
    expect(h.skipped(hosts[0])).toBe(true);
    now = 1001;
    expect(h.skipped(hosts[0])).toBe(false);
    h.failed(hosts[0]);
    now += 1500;
    expect(h.skipped(hosts[0]), 'second failure: 2 s').toBe(true);
    h.succeeded(hosts[0]);
    expect(h.skipped(hosts[0])).toBe(false);
  });

  it('never skips the last member that is not skipped', () => {
    const h = new MemberHealth(hosts, () => 0);
    h.failed(hosts[0]);
    h.failed(hosts[1]);
    expect(h.skipped(hosts[0])).toBe(true);
    h.failed(hosts[2]);
    // All failed: none is skipped (calls go through; the first member back serves).
    expect(hosts.map((x) => h.skipped(x))).toEqual([false, false, false]);
  });
});

describe('memberPolicy', () => {
  it('records unavailability and no-leader refusals, refuses calls while skipped', async () => {
    const h = new MemberHealth(hosts, () => 0);
    const p = memberPolicy(hosts[0], h);
    await expect(p.execute(() => Promise.reject(new Error('etcdserver: no leader')))).rejects.toThrow(/no leader/);
    await expect(p.execute(() => Promise.resolve(1))).rejects.toBeInstanceOf(MemberSkippedError);
    const q = memberPolicy(hosts[1], h);
    await expect(q.execute(() => Promise.reject(new Error('key not found')))).rejects.toThrow();
    expect(h.skipped(hosts[1]), 'an ordinary error does not make a member skipped').toBe(false);
    expect(isNoLeaderError(new Error('etcdserver: no leader'))).toBe(true);
  });
});
