import { describe, expect, test } from 'vitest';
import { findResource } from '../api/resources.js';
import { humanDuration, toTable, wantsTable } from './table.js';

describe('server-side printing', () => {
  test('kubectl Accept header asks for a Table; plain JSON does not', () => {
    expect(wantsTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json')).toBe(true);
    expect(wantsTable('application/json')).toBe(false);
    expect(wantsTable(undefined)).toBe(false);
  });

  test('human durations as kubectl prints them', () => {
    const s = 1000;
    expect(humanDuration(5 * s)).toBe('5s');
    expect(humanDuration(150 * s)).toBe('2m30s');
    expect(humanDuration(45 * 60 * s)).toBe('45m');
    expect(humanDuration(5 * 3600 * s + 60 * s)).toBe('5h1m');
    expect(humanDuration(30 * 3600 * s)).toBe('30h');
    expect(humanDuration(3 * 86400 * s)).toBe('3d');
    expect(humanDuration(-5 * s)).toBe('<invalid>');
  });

  test('pod rows: ready count, status, restarts, node', () => {
    const pods = findResource('', 'v1', 'pods')!;
    const now = Date.parse('2026-01-01T00:01:00Z');
    const pod = {
      metadata: { name: 'p', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { nodeName: 'n1', containers: [{ name: 'a' }, { name: 'b' }] },
      status: {
        phase: 'Running',
        podIP: '10.0.0.5',
        containerStatuses: [
          { name: 'a', ready: true, restartCount: 2, state: { running: {} } },
          { name: 'b', ready: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        ],
      },
    };
    const t = toTable(pods, [pod as never], { resourceVersion: '9' }, now) as any;
    expect(t.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node']);
    expect(t.rows[0].cells).toEqual(['p', '1/2', 'CrashLoopBackOff', 3, '60s', '10.0.0.5', 'n1']);
    expect(t.rows[0].object.kind).toBe('PartialObjectMetadata');
    const terminating = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: 'x' } };
    expect((toTable(pods, [terminating as never], {}, now) as any).rows[0].cells[2]).toBe('Terminating');
  });
});
