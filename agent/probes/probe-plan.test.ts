// The plan and the status with probe facts (pure: no runtime, no clock).

import { describe, expect, it } from 'vitest';
import type { Pod } from '../../api/types.js';
import { planPod, type PodFacts } from '../pod-plan.js';
import { containerHash } from '../pod-to-container.js';
import { computePodStatus } from '../pod-status.js';
import type { ContainerInfo } from '../runtime/types.js';
import type { ProbeFacts, ProbeFailure } from './probe-manager.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const web = { name: 'web', image: 'img:1', livenessProbe: { exec: { command: ['x'] } }, readinessProbe: { exec: { command: ['y'] } } };

function pod(restartPolicy?: 'Always' | 'OnFailure' | 'Never'): Pod {
  return { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { nodeName: 'n', restartPolicy, terminationGracePeriodSeconds: 30, containers: [web] } };
}

function ctr(id: string, state: 'running' | 'exited', name = 'web', exitCode = 0): ContainerInfo {
  return {
    id,
    name: id,
    labels: { 'orch.io/container': name, 'orch.io/attempt': '0', ...(name === 'POD' ? {} : { 'orch.io/container-hash': containerHash(web) }) },
    state,
    image: 'img:1',
    imageId: 'sha256:1',
    createdAt: new Date(NOW - 60_000).toISOString(),
    startedAt: new Date(NOW - 50_000).toISOString(),
    finishedAt: state === 'exited' ? new Date(NOW - 1000).toISOString() : undefined,
    exitCode,
    networkMode: name === 'POD' ? 'bridge' : 'container:S',
  };
}

function probes(failed: Record<string, ProbeFailure> = {}, ready: string[] = []): ProbeFacts {
  return { failed: (id) => failed[id], ready: (id) => ready.includes(id), started: () => true };
}

function facts(p: Pod, containers: ContainerInfo[], pr: ProbeFacts): PodFacts {
  return { pod: p, containers: [ctr('S', 'running', 'POD'), ...containers], now: NOW, terminating: false, stopping: new Map(), replaced: new Set(), restartDelayMs: () => 10_000, volumesRefreshMs: 30_000, probes: pr };
}

describe('plan with probe facts', () => {
  it('liveness failed → stop with purpose restart and the probe’s grace period', () => {
    const plan = planPod(facts(pod(), [ctr('c1', 'running')], probes({ c1: { probe: 'liveness', message: 'no', graceSeconds: 5 } })));
    expect(plan.actions.filter((a) => a.type === 'stop')).toEqual([{ type: 'stop', container: 'web', id: 'c1', graceSeconds: 5, purpose: 'restart', why: 'liveness probe failed' }]);
  });

  it('startup failed without a probe grace → the pod’s grace', () => {
    const plan = planPod(facts(pod(), [ctr('c1', 'running')], probes({ c1: { probe: 'startup', message: 'no' } })));
    expect(plan.actions.find((a) => a.type === 'stop')).toMatchObject({ graceSeconds: 30, purpose: 'restart', why: 'startup probe failed' });
  });

  it('a probe-killed attempt that exited 0 is restarted with backoff under OnFailure, not under Never', () => {
    const killed = probes({ c1: { probe: 'liveness', message: 'no' } });
    const onFailure = planPod(facts(pod('OnFailure'), [ctr('c1', 'exited')], killed));
    expect(onFailure.actions.find((a) => a.type === 'back-off')).toMatchObject({ container: 'web', waitMs: 9000 });
    expect(onFailure.containers[0]!.waiting?.reason).toBe('CrashLoopBackOff');
    const never = planPod(facts(pod('Never'), [ctr('c1', 'exited')], killed));
    expect(never.actions.some((a) => a.type === 'back-off' || a.type === 'create')).toBe(false);
    // Without the probe failure, OnFailure leaves a clean exit alone.
    const clean = planPod(facts(pod('OnFailure'), [ctr('c1', 'exited')], probes()));
    expect(clean.actions.some((a) => a.type === 'back-off' || a.type === 'create')).toBe(false);
  });

  it('status: ready follows the readiness result; Ready transition time moves only on a flip', () => {
    const p = pod();
    const plan = planPod(facts(p, [ctr('c1', 'running')], probes({}, [])));
    const s1 = computePodStatus({ pod: p, observations: plan.containers, now: '2026-01-01T00:10:00Z', probes: plan.probes });
    expect(s1.containerStatuses![0]).toMatchObject({ ready: false, started: true });
    expect(s1.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [web]' });
    const p2 = { ...p, status: s1 };
    const s2 = computePodStatus({ pod: p2, observations: plan.containers, now: '2026-01-01T00:10:05Z', probes: probes({}, ['c1']) });
    expect(s2.conditions!.find((c) => c.type === 'Ready')).toEqual({ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:10:05Z' });
    const s3 = computePodStatus({ pod: { ...p, status: s2 }, observations: plan.containers, now: '2026-01-01T00:10:09Z', probes: probes({}, ['c1']) });
    expect(s3.conditions!.find((c) => c.type === 'ContainersReady')!.lastTransitionTime).toBe('2026-01-01T00:10:05Z');
  });
});
