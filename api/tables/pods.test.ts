import { describe, expect, it } from 'vitest';
import type { ContainerStatus, Pod } from '../types.js';
import { podTable } from './pods.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const ago = (sec: number) => new Date(NOW - sec * 1000).toISOString().replace('.000Z', 'Z');

const cs = (name: string, state: ContainerStatus['state'], extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name,
  state,
  lastState: {},
  ready: false,
  restartCount: 0,
  image: 'i',
  imageID: '',
  ...extra,
});

function pod(status: Pod['status'], extra: { containers?: string[]; inits?: { name: string; restartPolicy?: string }[]; deleting?: boolean } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', creationTimestamp: ago(90), ...(extra.deleting ? { deletionTimestamp: ago(-30) } : {}) },
    spec: {
      nodeName: 'n1',
      containers: (extra.containers ?? ['a']).map((name) => ({ name, image: 'i' })),
      ...(extra.inits ? { initContainers: extra.inits.map((c) => ({ image: 'i', ...c })) as Pod['spec']['containers'] } : {}),
    },
    status,
  };
}

/** The five non-wide cells: NAME READY STATUS RESTARTS AGE. */
const row = (p: Pod) => podTable.row(p, NOW).slice(0, 5);

describe('pod rows (kubectl printPod)', () => {
  it('Pending without containers started, Running with a ready container', () => {
    expect(row(pod({ phase: 'Pending' }))).toEqual(['p', '0/1', 'Pending', '0', '90s']);
    expect(row(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [cs('a', { running: {} }, { ready: true })] }))).toEqual(['p', '1/1', 'Running', '0', '90s']);
  });

  it('a waiting reason replaces the phase; restarts say when the last one ended', () => {
    const crash = cs('a', { waiting: { reason: 'CrashLoopBackOff' } }, { restartCount: 4, lastState: { terminated: { exitCode: 1, finishedAt: ago(300) } } });
    expect(row(pod({ phase: 'Running', containerStatuses: [crash] }))).toEqual(['p', '0/1', 'CrashLoopBackOff', '4 (5m ago)', '90s']);
  });

  it('of several containers the first one not running decides (the list is read backwards)', () => {
    const statuses = [cs('a', { waiting: { reason: 'ImagePullBackOff' } }), cs('b', { terminated: { exitCode: 2 } })];
    expect(row(pod({ phase: 'Pending', containerStatuses: statuses }, { containers: ['a', 'b'] }))[2]).toBe('ImagePullBackOff');
    const signal = [cs('a', { running: {} }, { ready: true }), cs('b', { terminated: { exitCode: 137, signal: 9 } })];
    expect(row(pod({ phase: 'Running', containerStatuses: signal }, { containers: ['a', 'b'] })).slice(1, 3)).toEqual(['1/2', 'Signal:9']);
  });

  it('Completed; Completed with another container still running is Running (Ready) or NotReady', () => {
    const done = cs('a', { terminated: { exitCode: 0, reason: 'Completed' } });
    expect(row(pod({ phase: 'Succeeded', containerStatuses: [done] }))).toEqual(['p', '0/1', 'Completed', '0', '90s']);
    const both = [done, cs('b', { running: {} }, { ready: true })];
    // Read backwards: b (running) first, then a sets "Completed".
    expect(row(pod({ phase: 'Running', containerStatuses: both }, { containers: ['a', 'b'] }))[2]).toBe('NotReady');
    expect(row(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: both }, { containers: ['a', 'b'] }))[2]).toBe('Running');
  });

  it('Terminating while being deleted, unless it has finished; Unknown when its node was lost', () => {
    expect(row(pod({ phase: 'Running' }, { deleting: true }))[2]).toBe('Terminating');
    const done = cs('a', { terminated: { exitCode: 0, reason: 'Completed' } });
    expect(row(pod({ phase: 'Succeeded', containerStatuses: [done] }, { deleting: true }))[2]).toBe('Completed');
    expect(row(pod({ phase: 'Running', reason: 'NodeLost' }, { deleting: true }))[2]).toBe('Unknown');
  });

  it('init containers: Init:N/M, Init:REASON, Init:ExitCode; a started sidecar counts as a container', () => {
    const inits = [{ name: 'i1' }, { name: 'i2' }];
    const first = [cs('i1', { terminated: { exitCode: 0 } }), cs('i2', { running: {} })];
    expect(row(pod({ phase: 'Pending', initContainerStatuses: first }, { inits }))[2]).toBe('Init:1/2');
    expect(row(pod({ phase: 'Pending', initContainerStatuses: [cs('i1', { waiting: { reason: 'ErrImagePull' } })] }, { inits }))[2]).toBe('Init:ErrImagePull');
    expect(row(pod({ phase: 'Pending', initContainerStatuses: [cs('i1', { terminated: { exitCode: 3 } })] }, { inits }))[2]).toBe('Init:ExitCode:3');
    const sidecar = [{ name: 'side', restartPolicy: 'Always' }];
    const running: Pod['status'] = { phase: 'Running', conditions: [{ type: 'Initialized', status: 'True' }], initContainerStatuses: [cs('side', { running: {} }, { started: true, ready: true })], containerStatuses: [cs('a', { running: {} }, { ready: true })] };
    expect(row(pod(running, { inits: sidecar })).slice(1, 3)).toEqual(['2/2', 'Running']);
  });

  it('init failures as kubectl shows them: Init:Error, Init:CrashLoopBackOff; PodInitializing once initialized', () => {
    const inits = [{ name: 'i1' }, { name: 'i2' }];
    const waitingApp = [cs('a', { waiting: { reason: 'PodInitializing' } })];
    const error = cs('i1', { terminated: { exitCode: 1, reason: 'Error' } }, { restartCount: 1 });
    expect(row(pod({ phase: 'Pending', initContainerStatuses: [error, cs('i2', { waiting: { reason: 'PodInitializing' } })], containerStatuses: waitingApp }, { inits })).slice(1, 4)).toEqual(['0/1', 'Init:Error', '1']);
    const crash = cs('i1', { waiting: { reason: 'CrashLoopBackOff' } }, { restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(10) } } });
    expect(row(pod({ phase: 'Pending', initContainerStatuses: [crash], containerStatuses: waitingApp }, { inits })).slice(1, 4)).toEqual(['0/1', 'Init:CrashLoopBackOff', '2 (10s ago)']);
    const done = [cs('i1', { terminated: { exitCode: 0, reason: 'Completed' } }, { ready: true }), cs('i2', { terminated: { exitCode: 0, reason: 'Completed' } }, { ready: true })];
    const initialized: Pod['status'] = { phase: 'Pending', conditions: [{ type: 'Initialized', status: 'True' }], initContainerStatuses: done, containerStatuses: waitingApp };
    expect(row(pod(initialized, { inits })).slice(1, 3)).toEqual(['0/1', 'PodInitializing']);
  });

  it('wide cells: IP (podIPs first) and node, <none> when unset', () => {
    expect(podTable.row(pod({ phase: 'Running', podIP: '10.0.0.5' }), NOW).slice(5)).toEqual(['10.0.0.5', 'n1']);
    expect(podTable.row({ ...pod({ phase: 'Pending' }), spec: { containers: [{ name: 'a', image: 'i' }] } }, NOW).slice(5)).toEqual(['<none>', '<none>']);
  });
});
