// Two scheduler replicas with leader election against a real apiserver + etcd, run in
// process with short leases (3 s / 2 s / 0.3 s): only the leader binds, every pod is
// bound exactly once (checked on a watch of all pod changes), and the standby takes
// over both when the leader stops gracefully and when it dies without a word.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import type { Client, ResourceClient } from '../../client/types.js';
import { runScheduler, type RunOutcome } from '../../scheduler/run.js';
import type { Scheduler } from '../../scheduler/scheduler.js';
import { makePod } from '../../scheduler/testing/builders.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { createReadyNode, podsIn, until } from './scheduler-helpers.js';

const LEASE = { namespace: 'kube-system', leaseName: 'orch-scheduler', leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 };

let api: TestApiServer;
let admin: ApiClient;
const cleanups: (() => Promise<unknown> | void)[] = [];

beforeEach(async () => {
  api = await startTestApiServer();
  admin = new ApiClient({ server: api.url, token: api.token });
  for (let i = 1; i <= 3; i++) await createReadyNode(admin, { name: `node-${i}`, cpu: '32', memory: '64Gi', pods: 500 });
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  admin?.close();
  await api?.stop();
});

/**
 * A client that can be "killed": afterwards every call fails as if the process were
 * gone (open watches keep delivering, which a dead process would ignore anyway).
 */
function killableClient(inner: ApiClient): { client: Client; kill: () => void } {
  let dead = false;
  const wrap = <T extends object>(rc: T): T =>
    new Proxy(rc, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          if (dead) {
            if (prop === 'watch') throw new Error('process is dead');
            return Promise.reject(new Error('process is dead'));
          }
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  const client = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'resource') return (name: string) => wrap(target.resource(name) as ResourceClient<never>);
      if (v && typeof v === 'object' && 'bind' in (v as object)) return wrap(v as object);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as unknown as Client;
  return { client, kill: () => void (dead = true) };
}

interface Replica {
  identity: string;
  ac: AbortController;
  done: Promise<RunOutcome>;
  schedulers: Scheduler[];
  kill: () => void;
}

function replica(identity: string): Replica {
  const raw = new ApiClient({ server: api.url, token: api.token });
  const { client, kill } = killableClient(raw);
  const ac = new AbortController();
  const schedulers: Scheduler[] = [];
  const done = runScheduler(
    { client, leaderElection: { ...LEASE, identity }, scheduler: { recordScheduledEvents: true }, onScheduler: (s) => schedulers.push(s) },
    ac.signal,
  );
  cleanups.push(async () => {
    ac.abort();
    await done;
    raw.close();
  });
  return { identity, ac, done, schedulers, kill };
}

const holder = async () => {
  try {
    return (await admin.leases.get('orch-scheduler', 'kube-system')).spec.holderIdentity ?? '';
  } catch {
    return '';
  }
};

/** Records, from a watch of every pod change, how many times each pod went from unbound to bound. */
function watchBindings(): { counts: Map<string, number>; stop: () => void } {
  const counts = new Map<string, number>();
  const last = new Map<string, string | undefined>();
  const w = admin.pods.watch({ namespace: 'default', resourceVersion: '0' });
  void (async () => {
    try {
      for await (const ev of w) {
        const p = ev.object as Pod;
        const name = p.metadata?.name;
        if (!name || (ev.type !== 'ADDED' && ev.type !== 'MODIFIED')) continue;
        const before = last.get(name);
        if (!before && p.spec.nodeName) counts.set(name, (counts.get(name) ?? 0) + 1);
        last.set(name, p.spec.nodeName);
      }
    } catch {
      /* stopped */
    }
  })();
  cleanups.push(() => w.stop());
  return { counts, stop: () => w.stop() };
}

async function createPods(prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const p = makePod({ name: `${prefix}-${i}`, cpu: '10m', labels: { app: prefix } });
    delete p.metadata.uid;
    delete p.metadata.creationTimestamp;
    delete p.status;
    await admin.pods.create(p);
  }
}

const allBound = async (n: number) => {
  const pods = await podsIn(admin, 'default');
  return pods.length === n && pods.every((p) => p.spec.nodeName);
};

async function scheduledEventsPerPod(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const e of (await admin.events.list({ namespace: 'default' })).items) {
    if (e.reason !== 'Scheduled') continue;
    const name = e.involvedObject.name ?? '';
    out.set(name, (out.get(name) ?? 0) + (e.count ?? 1));
  }
  return out;
}

describe('scheduler e2e: two replicas with leader election', () => {
  it('only the leader binds, each pod once; the standby takes over after a graceful stop', async () => {
    const bindings = watchBindings();
    const a = replica('replica-a');
    await until('a leads', async () => (await holder()) === 'replica-a');
    const b = replica('replica-b');
    await createPods('first', 30);
    await until('30 bound', () => allBound(30));
    expect(b.schedulers).toHaveLength(0);

    a.ac.abort();
    expect(await a.done).toBe('stopped');
    await until('b leads', async () => (await holder()) === 'replica-b', 10_000);
    await createPods('second', 30);
    await until('60 bound', () => allBound(60));

    await until('watch saw 60 bindings', () => bindings.counts.size === 60);
    expect([...bindings.counts.values()].every((c) => c === 1)).toBe(true);
    const events = await until('60 Scheduled events', async () => {
      const m = await scheduledEventsPerPod();
      return m.size === 60 ? m : undefined;
    });
    expect([...events.values()].every((c) => c === 1)).toBe(true);
    const scheduledBy = async (r: Replica) => (await Promise.all(r.schedulers.map((s) => s.metrics.attemptCount('scheduled')))).reduce((x, y) => x + y, 0);
    // Both replicas share nothing; each binding was done by exactly one of them.
    expect((await scheduledBy(a)) + (await scheduledBy(b))).toBe(60);
  });

  it('a leader that dies silently is replaced once its lease expires, and stops binding', async () => {
    const bindings = watchBindings();
    const a = replica('replica-a');
    await until('a leads', async () => (await holder()) === 'replica-a');
    const b = replica('replica-b');
    await createPods('before', 20);
    await until('20 bound', () => allBound(20));

    const killedAt = Date.now();
    a.kill(); // no lease release: b must wait for the lease to expire
    await until('b leads', async () => (await holder()) === 'replica-b', 15_000);
    // The issue asks for a takeover within about 15 s with default (15 s) leases; here 3 s.
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    // The dead leader noticed it could not renew and stopped its scheduling loop.
    expect(await a.done).toBe('lost-lease');
    await createPods('after', 20);
    await until('40 bound', () => allBound(40));
    await until('watch saw 40 bindings', () => bindings.counts.size === 40);
    expect([...bindings.counts.values()].every((c) => c === 1)).toBe(true);
    const aScheduled = await a.schedulers[0]!.metrics.attemptCount('scheduled');
    expect(aScheduled).toBe(20);
  });
});
