import { describe, expect, it } from 'vitest';
import { enabledControllers } from './manager.js';

describe('enabledControllers', () => {
  it('supports *, names and -name', () => {
    expect([...enabledControllers(['*'])].sort()).toEqual(['csrapproving', 'csrsigning', 'deployment', 'disruption', 'endpoint', 'endpointslice', 'garbagecollector', 'nodeipam', 'nodelifecycle', 'replicaset', 'servicelb', 'tokencleaner']);
    expect([...enabledControllers(['*', '-nodelifecycle', '-endpoint', '-servicelb', '-disruption', '-csrapproving', '-csrsigning', '-tokencleaner'])].sort()).toEqual(['deployment', 'endpointslice', 'garbagecollector', 'nodeipam', 'replicaset']);
    expect([...enabledControllers(['replicaset'])]).toEqual(['replicaset']);
    expect(() => enabledControllers(['nope'])).toThrow(/unknown controller/);
  });
});
