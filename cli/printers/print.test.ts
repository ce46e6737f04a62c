import { describe, expect, it } from 'vitest';
import type { Deployment, Node, Pod } from '../../api/types.js';
import { podStatusText } from './columns.js';
import { parseOutputFormat, printObjects, qualifiedName } from './print.js';
import { formatAge, formatTable } from './table.js';

const now = Date.parse('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(now - s * 1000).toISOString();

const pod = (name: string, extra: Partial<Pod> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', creationTimestamp: ago(90) },
  spec: { containers: [{ name: 'c', image: 'i' }], nodeName: 'node-1' },
  status: {
    phase: 'Running',
    podIP: '172.17.0.2',
    containerStatuses: [{ name: 'c', ready: true, restartCount: 2, image: 'i', imageID: '', state: { running: {} }, lastState: {} }],
  },
  ...extra,
});

describe('formatTable', () => {
  it('aligns columns with three spaces and no trailing blanks', () => {
    expect(formatTable(['NAME', 'AGE'], [['a-long-name', '5s'], ['b', '10m']])).toBe('NAME          AGE\na-long-name   5s\nb             10m');
  });
});

describe('formatAge', () => {
  it.each([
    [30, '30s'],
    [150, '2m30s'],
    [600, '10m'],
    [3 * 3600 + 120, '3h2m'],
    [30 * 3600, '30h'],
    [3 * 86400 + 3600, '3d1h'],
    [40 * 86400, '40d'],
  ])('%i seconds → %s', (s, want) => expect(formatAge(ago(s), now)).toBe(want));
  it('handles missing timestamps', () => expect(formatAge(undefined, now)).toBe('<unknown>'));
});

describe('printObjects', () => {
  it('prints pods like kubectl, wide adds IP and NODE', () => {
    const out = printObjects([pod('web-1'), pod('web-22')], 'Pod', { format: 'wide', now });
    expect(out.split('\n')).toEqual([
      'NAME     READY   STATUS    RESTARTS   AGE   IP           NODE',
      'web-1    1/1     Running   2          90s   172.17.0.2   node-1',
      'web-22   1/1     Running   2          90s   172.17.0.2   node-1',
    ]);
  });

  it('prints deployments and nodes with their columns', () => {
    const d: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', creationTimestamp: ago(30) },
      spec: { replicas: 3, selector: {}, template: { spec: { containers: [] } } },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    };
    expect(printObjects([d], 'Deployment', { format: 'table', now })).toBe('NAME   READY   UP-TO-DATE   AVAILABLE   AGE\nweb    2/3     3            2           30s');
    const n: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-1', creationTimestamp: ago(30) },
      spec: { unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'orch/0.1.0' } },
    };
    expect(printObjects([n], 'Node', { format: 'table', now }).split('\n')[1]).toBe('node-1   Ready,SchedulingDisabled   <none>   30s   orch/0.1.0');
  });

  it('adds a NAMESPACE column for -A and supports name/json/yaml', () => {
    expect(printObjects([pod('a')], 'Pod', { format: 'table', withNamespace: true, now }).split('\n')[0]).toMatch(/^NAMESPACE\s+NAME/);
    expect(printObjects([pod('a'), pod('b')], 'Pod', { format: 'name' })).toBe('pod/a\npod/b');
    expect(JSON.parse(printObjects([pod('a')], 'Pod', { format: 'json' })).metadata.name).toBe('a');
    expect(printObjects([pod('a'), pod('b')], 'Pod', { format: 'yaml' })).toMatch(/^apiVersion: v1\nkind: List/);
  });

  it('names objects with their group', () => {
    expect(qualifiedName({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } })).toBe('deployment.apps/web');
    expect(qualifiedName({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })).toBe('configmap/c');
  });

  it('rejects unknown output formats with the valid ones', () => {
    expect(() => parseOutputFormat('xml')).toThrow(/wide, yaml, json, name/);
  });
});

describe('podStatusText', () => {
  it('shows the waiting reason of a container', () => {
    const p = pod('a');
    p.status!.containerStatuses![0].state = { waiting: { reason: 'CrashLoopBackOff' } };
    expect(podStatusText(p)).toBe('CrashLoopBackOff');
  });
  it('shows Terminating for pods being deleted', () => {
    expect(podStatusText(pod('a', { metadata: { name: 'a', deletionTimestamp: ago(1) } }))).toBe('Terminating');
  });
  it('shows Completed for a terminated container', () => {
    const p = pod('a');
    p.status!.containerStatuses![0].state = { terminated: { exitCode: 0, reason: 'Completed' } };
    expect(podStatusText(p)).toBe('Completed');
  });
});
