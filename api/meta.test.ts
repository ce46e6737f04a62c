import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  type Condition,
  controllerRef,
  deepClone,
  deepEqual,
  getCondition,
  hashObject,
  isControlledBy,
  isPodActive,
  isPodReady,
  podRequests,
  setCondition,
} from './meta.js';
import type { DeploymentCondition, Pod, PodCondition } from './types.js';

describe('deepEqual', () => {
  it.each([
    [1, 1, true],
    [1, '1', false],
    [null, null, true],
    [null, undefined, false],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }, true],
    [{ a: 1 }, { a: 1, b: undefined }, true],
    [{ a: [1, 2] }, { a: [2, 1] }, false],
    [[], {}, false],
    [{ a: { b: { c: [1, { d: 'x' }] } } }, { a: { b: { c: [1, { d: 'x' }] } } }, true],
    [{ a: 1 }, { a: 1, b: 2 }, false],
    [NaN, NaN, true],
  ])('%j vs %j → %s', (a, b, want) => {
    expect(deepEqual(a, b)).toBe(want);
  });
});

describe('deepClone', () => {
  it('copies deeply', () => {
    const a = { x: { y: [1, 2] } };
    const b = deepClone(a);
    b.x.y.push(3);
    expect(a.x.y).toEqual([1, 2]);
  });
});

describe('hashObject', () => {
  it('is stable, 10 chars of [0-9a-z], and key-order independent', () => {
    const h = hashObject({ b: 1, a: [1, { c: 'x' }] });
    expect(h).toMatch(/^[0-9a-z]{10}$/);
    expect(hashObject({ a: [1, { c: 'x' }], b: 1 })).toBe(h);
    expect(hashObject({ spec: { containers: [{ name: 'web', image: 'orch.local/web:latest' }] } })).toBe(
      hashObject(JSON.parse('{"spec":{"containers":[{"image":"orch.local/web:latest","name":"web"}]}}')),
    );
    // Pinned: the agent labels containers with this hash of their spec; a new value for
    // the same input would make every running container look changed after an upgrade.
    // (The pod-template-hash of Deployments is pinned in controller/deployment.)
    expect(hashObject({ spec: { containers: [{ name: 'web', image: 'orch.local/web:latest' }] } })).toBe('vx9o24h9yd');
    expect(hashObject('')).toBe(hashObject(''));
  });

  it('differs for different values', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(hashObject({ replicas: i }));
    expect(seen.size).toBe(1000);
    expect(hashObject({ a: 1 })).not.toBe(hashObject({ a: '1' }));
  });

  it('has pinned literal values (a change here would roll every Deployment)', () => {
    expect(hashObject({ a: 1 })).toBe('chj0u7bzqp');
    expect(hashObject({ spec: { containers: [{ name: 'web', image: 'orch.local/web:latest' }] } })).toBe('vx9o24h9yd');
  });

  it('matches an independent FNV-1a computation', () => {
    // FNV-1a 64 of '{"a":1}', in base36, last 10 chars. Recomputed independently below.
    let h = 0xcbf29ce484222325n;
    for (const b of Buffer.from('{"a":1}')) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
    expect(hashObject({ a: 1 })).toBe(h.toString(36).padStart(13, '0').slice(-10));
  });

  it('canonicalJson sorts keys and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, undefined] } })).toBe('{"a":{"c":[2,null]},"b":1}');
  });
});

describe('owner references', () => {
  const owner = { metadata: { name: 'rs', uid: 'u1' } };
  const child = (controller?: boolean) => ({
    metadata: { name: 'p', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller }] },
  });
  it('finds the controller reference', () => {
    expect(controllerRef(child(true))?.uid).toBe('u1');
    expect(controllerRef(child(false))).toBeUndefined();
    expect(controllerRef({ metadata: {} })).toBeUndefined();
  });
  it('isControlledBy compares uids', () => {
    expect(isControlledBy(child(true), owner)).toBe(true);
    expect(isControlledBy(child(false), owner)).toBe(false);
    expect(isControlledBy(child(true), { metadata: { name: 'rs', uid: 'u2' } })).toBe(false);
    expect(isControlledBy(child(true), { metadata: { name: 'rs' } })).toBe(false);
  });
});

describe('conditions', () => {
  const t0 = '2026-01-01T00:00:00Z';
  const t1 = '2026-01-01T00:01:00Z';
  it('adds a new condition with the transition time', () => {
    const out = setCondition([], { type: 'Ready', status: 'True' }, t0);
    expect(out).toEqual([{ type: 'Ready', status: 'True', lastTransitionTime: t0 }]);
  });
  it('keeps lastTransitionTime when status is unchanged, updates reason', () => {
    const first = setCondition(undefined, { type: 'Ready', status: 'True', reason: 'A' }, t0);
    const second = setCondition(first, { type: 'Ready', status: 'True', reason: 'B' }, t1);
    expect(second).toEqual([{ type: 'Ready', status: 'True', reason: 'B', lastTransitionTime: t0 }]);
    expect(first[0]!.reason).toBe('A');
  });
  it('moves lastTransitionTime when status changes', () => {
    const first = setCondition<Condition>([], { type: 'Ready', status: 'True' }, t0);
    const second = setCondition(first, { type: 'Ready', status: 'False', lastTransitionTime: t0 }, t1);
    expect(second[0]!.lastTransitionTime).toBe(t1);
  });
  it('works with the shared condition types', () => {
    const pc: PodCondition[] = setCondition<PodCondition>(undefined, { type: 'Ready', status: 'True' }, t0);
    const dc: DeploymentCondition[] = setCondition<DeploymentCondition>([], { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' }, t0);
    expect(pc[0]!.lastTransitionTime).toBe(t0);
    expect(dc[0]!.reason).toBe('MinimumReplicasUnavailable');
  });
  it('getCondition finds by type', () => {
    const conds = [{ type: 'A', status: 'True' }, { type: 'B', status: 'False' }];
    expect(getCondition(conds, 'B')?.status).toBe('False');
    expect(getCondition(conds, 'C')).toBeUndefined();
    expect(getCondition(undefined, 'A')).toBeUndefined();
  });
});

const mkPod = (over: Partial<Pod> = {}): Pod => ({
  metadata: { name: 'p' },
  spec: { containers: [{ name: 'a', image: 'x' }] },
  ...over,
});

describe('pod helpers', () => {
  it('isPodReady', () => {
    expect(isPodReady(mkPod({ status: { conditions: [{ type: 'Ready', status: 'True' }] } }))).toBe(true);
    expect(isPodReady(mkPod({ status: { conditions: [{ type: 'Ready', status: 'False' }] } }))).toBe(false);
    expect(isPodReady(mkPod())).toBe(false);
  });
  it('isPodActive', () => {
    expect(isPodActive(mkPod())).toBe(true);
    expect(isPodActive(mkPod({ status: { phase: 'Running' } }))).toBe(true);
    expect(isPodActive(mkPod({ status: { phase: 'Succeeded' } }))).toBe(false);
    expect(isPodActive(mkPod({ status: { phase: 'Failed' } }))).toBe(false);
    expect(isPodActive(mkPod({ metadata: { name: 'p', deletionTimestamp: '2026-01-01T00:00:00Z' } }))).toBe(false);
  });
  it('podRequests sums containers, takes the max of init containers, and uses limits as requests', () => {
    const pod = mkPod({
      spec: {
        containers: [
          { name: 'a', image: 'x', resources: { requests: { cpu: '250m', memory: '64Mi' } } },
          { name: 'b', image: 'x', resources: { limits: { cpu: '1', memory: '128Mi' } } },
          { name: 'c', image: 'x' },
        ],
        initContainers: [{ name: 'i', image: 'x', resources: { requests: { cpu: '2', memory: '1Mi' } } }],
      },
    });
    expect(podRequests(pod)).toEqual({ cpu: 2000, memory: 192 * 2 ** 20 });
    expect(podRequests(mkPod())).toEqual({ cpu: 0, memory: 0 });
    expect(podRequests(mkPod({ spec: { containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: 'bad' } } }] } }))).toEqual({ cpu: 0, memory: 0 });
  });
});
