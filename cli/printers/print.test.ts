import { describe, expect, it } from 'vitest';
import type { Deployment, Node, Pod } from '../../api/types.js';
import type { Table } from '../../api/tables/table.js';
import { parseOutputFormat, printObjects, printTable, qualifiedName } from './print.js';
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

const table: Table = {
  kind: 'Table',
  apiVersion: 'meta.k8s.io/v1',
  metadata: {},
  columnDefinitions: [
    { name: 'Name', type: 'string', format: 'name', description: '', priority: 0 },
    { name: 'Message', type: 'string', format: '', description: '', priority: 0 },
    { name: 'Count', type: 'integer', format: '', description: '', priority: 0 },
    { name: 'Node', type: 'string', format: '', description: '', priority: 1 },
  ],
  rows: [
    { cells: ['a', 'one line', 3, 'n1'], object: { metadata: { name: 'a', namespace: 'ns1', labels: { z: '1', a: '2' } } } },
    { cells: ['bb', 'first\nsecond', 10, 'n2'], object: { metadata: { name: 'bb', namespace: 'ns2' } } },
  ],
};

describe('formatTable', () => {
  it('aligns columns with three spaces and no trailing blanks', () => {
    expect(formatTable(['NAME', 'AGE'], [['a-long-name', '5s'], ['b', '10m']])).toBe('NAME          AGE\na-long-name   5s\nb             10m');
  });
});

describe('printTable: laying out a server Table as kubectl does', () => {
  it('upper-case headers, priority-1 columns only when wide, cells cut at a line break', () => {
    expect(printTable(table).split('\n')).toEqual(['NAME   MESSAGE    COUNT', 'a      one line   3', 'bb     first...   10']);
    expect(printTable(table, { wide: true }).split('\n')[0]).toBe('NAME   MESSAGE    COUNT   NODE');
  });

  it('-A puts NAMESPACE first, --show-labels LABELS last (sorted, <none>), from the row objects', () => {
    expect(printTable(table, { withNamespace: true, showLabels: true }).split('\n')).toEqual([
      'NAMESPACE   NAME   MESSAGE    COUNT   LABELS',
      'ns1         a      one line   3       a=2,z=1',
      'ns2         bb     first...   10      <none>',
    ]);
  });

  it('a name prefix for several types at once; no headers for watch rows', () => {
    expect(printTable(table, { namePrefix: 'pod/', noHeaders: true }).split('\n')).toEqual(['pod/a    one line   3', 'pod/bb   first...   10']);
  });
});

describe('printObjects', () => {
  it('prints pods with the server columns, wide adds IP and NODE', () => {
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

describe('formatAge', () => {
  it('is kubectl\'s age (api/tables/duration.ts), <unknown> without a timestamp', () => {
    expect(formatAge(ago(150), now)).toBe('2m30s');
    expect(formatAge(ago(9 * 3600 + 300), now)).toBe('9h');
    expect(formatAge(undefined, now)).toBe('<unknown>');
  });
});
