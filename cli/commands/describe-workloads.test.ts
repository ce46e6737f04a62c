import { describe, expect, it } from 'vitest';
import type { DaemonSet } from '../../api/daemonset-types.js';
import type { Job } from '../../api/job-types.js';
import type { Pod } from '../../api/types.js';
import { daemonSetSections, jobSections } from './describe-workloads.js';

const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1'] }] } };
const pod = (name: string, phase: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [] }, status: { phase } }) as unknown as Pod;

describe('describe sections of workloads', () => {
  it('a Job: counts, an Indexed job\'s completed indexes, the duration so far, its pods', () => {
    const job = {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' },
      spec: { parallelism: 2, completions: 4, completionMode: 'Indexed', selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } }, template },
      status: { startTime: '2026-01-01T00:00:00Z', active: 2, ready: 1, succeeded: 2, failed: 1, completedIndexes: '0,2' },
    } as unknown as Job;
    const text = jobSections(job, [pod('j-1-abc', 'Running'), pod('j-3-def', 'Pending')], Date.parse('2026-01-01T00:01:30Z')).join('\n');
    expect(text).toMatch(/^Parallelism:\s+2$/m);
    expect(text).toMatch(/^Completion Mode:\s+Indexed$/m);
    expect(text).toMatch(/^Duration:\s+90s$/m);
    expect(text).toMatch(/^Pods Statuses:\s+2 Active \(1 Ready\) \/ 2 Succeeded \/ 1 Failed$/m);
    expect(text).toMatch(/^Completed Indexes:\s+0,2$/m);
    expect(text).toContain('j-1-abc (Running), j-3-def (Pending)');
    expect(text).toMatch(/^\s+Command:\s+sleep 1$/m);
  });

  it('a DaemonSet: the node counts kubectl prints and Pods Status from the pods', () => {
    const ds = {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd' },
      spec: { selector: { matchLabels: { app: 'x' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }, template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberMisscheduled: 0, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
    } as unknown as DaemonSet;
    const text = daemonSetSections(ds, [pod('a', 'Running'), pod('b', 'Running'), pod('c', 'Pending')]).join('\n');
    expect(text).toMatch(/^Selector:\s+app=x,tier in \(a,b\)$/m);
    expect(text).toContain('Desired Number of Nodes Scheduled: 3');
    expect(text).toContain('Number of Nodes Scheduled with Available Pods: 2');
    expect(text).toMatch(/^Pods Status:\s+2 Running \/ 1 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
    expect(text).toMatch(/^Update Strategy:\s+RollingUpdate \(max unavailable 1, max surge 0\)$/m);
  });
});
