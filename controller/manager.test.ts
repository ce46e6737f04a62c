import { describe, expect, it } from 'vitest';
import { enabledControllers } from './manager.js';

describe('enabledControllers', () => {
  it('supports *, names and -name', () => {
    expect([...enabledControllers(['*'])].sort()).toEqual(['deployment', 'garbagecollector', 'nodeipam', 'nodelifecycle', 'replicaset']);
    expect([...enabledControllers(['*', '-nodelifecycle'])].sort()).toEqual(['deployment', 'garbagecollector', 'nodeipam', 'replicaset']);
    expect([...enabledControllers(['replicaset'])]).toEqual(['replicaset']);
    expect(() => enabledControllers(['nope'])).toThrow(/unknown controller/);
  });
});
