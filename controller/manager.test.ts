import { describe, expect, it } from 'vitest';
import { enabledControllers } from './manager.js';

describe('enabledControllers', () => {
  it('supports *, names and -name', () => {
    expect([...enabledControllers(['*'])].sort()).toEqual(['csrapproving', 'csrsigning', 'daemonset', 'statefulset', 'deployment', 'disruption', 'endpoint', 'endpointslice', 'garbagecollector', 'nodeipam', 'clusterrole-aggregation', 'nodelifecycle', 'replicaset', 'servicelb', 'tokencleaner', 'serviceaccount', 'root-ca-cert-publisher', 'job', 'cronjob', 'persistentvolume-binder', 'pvc-protection', 'pv-protection', 'horizontalpodautoscaling'].sort());
    expect([...enabledControllers(['*', '-daemonset', '-statefulset', '-nodelifecycle', '-endpoint', '-servicelb', '-disruption', '-clusterrole-aggregation', '-csrapproving', '-csrsigning', '-tokencleaner', '-serviceaccount', '-root-ca-cert-publisher', '-job', '-cronjob', '-persistentvolume-binder', '-pvc-protection', '-pv-protection', '-horizontalpodautoscaling'])].sort()).toEqual(['deployment', 'endpointslice', 'garbagecollector', 'nodeipam', 'replicaset']);
    expect([...enabledControllers(['replicaset'])]).toEqual(['replicaset']);
    expect(() => enabledControllers(['nope'])).toThrow(/unknown controller/);
  });
});
