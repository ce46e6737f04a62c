// The invariant checker must be able to fail: each violation it exists to catch is
// built here by hand and must be reported (pure logic, no cluster needed).

import { describe, expect, it } from 'vitest';
import type { Deployment, Pod } from '../../api/types.js';
import type { ContainerInfo } from './docker-engine.js';
import { maxSurgeOf, violations, type Snapshot } from './invariants.js';
import { notConverged } from './scenario-kit.js';
import { formatTable } from './results.js';

const pod = (name: string, uid: string, node: string, extra: Partial<Pod['metadata']> = {}): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid, labels: { app: 'web' }, ...extra }, spec: { nodeName: node, containers: [{ name: 'web', image: 'x' }] }, status: { phase: 'Running' } }) as Pod;
const ctr = (uid: string, id: string, running = true): ContainerInfo => ({
  id, name: `c-${id}`, labels: { 'orch.io/pod-uid': uid, 'orch.io/container': 'web', 'orch.io/pod': 'p', 'orch.io/namespace': 'default' }, state: running ? 'running' : 'exited', running, startedAt: '', restartCount: 0,
});
const deploy = (replicas: number, maxSurge?: number | string): Deployment =>
  ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', generation: 1 }, spec: { replicas, selector: { matchLabels: { app: 'web' } }, strategy: maxSurge === undefined ? undefined : { type: 'RollingUpdate', rollingUpdate: { maxSurge } }, template: { metadata: {}, spec: { containers: [] } } }, status: { observedGeneration: 1, replicas, updatedReplicas: replicas, availableReplicas: replicas } }) as Deployment;
const snap = (pods: Pod[], h1: ContainerInfo[], h2: ContainerInfo[] = [], deployments: Deployment[] = []): Snapshot => ({ pods, deployments, containers: new Map([[1, h1], [2, h2]]), unreachable: new Set() });

describe('invariant checker', () => {
  it('accepts a healthy cluster', () => {
    expect(violations(snap([pod('a', 'u1', 'h1'), pod('b', 'u2', 'h2')], [ctr('u1', '1')], [ctr('u2', '2')], [deploy(2)]), [1, 2])).toEqual([]);
  });

  it('reports a pod without its container, and one running twice', () => {
    expect(violations(snap([pod('a', 'u1', 'h1')], [ctr('u1', '1', false)]), [1, 2])).toEqual([expect.stringMatching(/pod default\/a container web: 0 running/)]);
    expect(violations(snap([pod('a', 'u1', 'h1')], [ctr('u1', '1'), ctr('u1', '2')]), [1, 2])).toEqual([expect.stringMatching(/2 running on h1/)]);
  });

  it('reports a container on the wrong host and a container without a pod', () => {
    const v = violations(snap([pod('a', 'u1', 'h1')], [ctr('u1', '1')], [ctr('u1', '2'), ctr('gone', '3')]), [1, 2]);
    expect(v.join('\n')).toMatch(/1 running on h1, 2 in the cluster/);
    expect(v.join('\n')).toMatch(/on h2 belongs to pod a bound to h1/);
    expect(v.join('\n')).toMatch(/pod uid gone, which does not exist/);
  });

  it('reports a Deployment running more than replicas + maxSurge pods', () => {
    const pods = [pod('a', 'u1', 'h1'), pod('b', 'u2', 'h1', { deletionTimestamp: '2026-01-01T00:00:00Z' }), pod('c', 'u3', 'h2')];
    const v = violations(snap(pods, [ctr('u1', '1'), ctr('u2', '2')], [ctr('u3', '3')], [deploy(1, 1)]), [1, 2]);
    expect(v).toEqual(['deployment web: 3 pods running, more than replicas + maxSurge = 2']);
  });

  it('skips hosts whose engine is down on purpose', () => {
    const s = snap([pod('a', 'u1', 'h2')], []);
    s.containers.delete(2);
    s.unreachable.add(2);
    expect(violations(s, [1, 2])).toEqual([]);
  });

  it('resolves maxSurge like Kubernetes (percent rounds up, default 25%, Recreate 0)', () => {
    expect(maxSurgeOf(deploy(6))).toBe(2);
    expect(maxSurgeOf(deploy(6, '10%'))).toBe(1);
    expect(maxSurgeOf(deploy(6, 3))).toBe(3);
    const r = deploy(6);
    r.spec.strategy = { type: 'Recreate' };
    expect(maxSurgeOf(r)).toBe(0);
  });

  it('convergence needs the status and the engines to agree', () => {
    const pods = [pod('a', 'u1', 'h1'), pod('b', 'u2', 'h2')];
    expect(notConverged(snap(pods, [ctr('u1', '1')], [ctr('u2', '2')], [deploy(2)]), 'web', 2)).toBeUndefined();
    expect(notConverged(snap(pods, [ctr('u1', '1')], [], [deploy(2)]), 'web', 2)).toMatch(/1 pods running on the engines/);
    expect(notConverged(snap(pods, [ctr('u1', '1')], [ctr('u2', '2')], [deploy(2)]), 'web', 2, { avoidHosts: [2] })).toMatch(/still on h2/);
  });

  it('prints a table of convergence times', () => {
    expect(formatTable([{ scenario: 's', what: 'w', ms: 1234, boundMs: 35_000, at: '' }])).toMatch(/\| s +\| w +\| +1\.2 \| +35 \|/);
  });
});
