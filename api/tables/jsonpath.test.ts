import { describe, expect, it } from 'vitest';
import { evalJsonPath, parseJsonPath } from './jsonpath.js';

const obj = {
  metadata: { name: 'a', labels: { 'app.kubernetes.io/name': 'web' } },
  spec: { replicas: 3, ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] },
  status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Synced', status: 'False' }] },
};
const run = (p: string) => evalJsonPath(parseJsonPath(p)!, obj);

describe('printer-column JSONPath', () => {
  it('reads fields, indexes, wildcards, quoted and escaped keys, filters', () => {
    expect(run('.spec.replicas')).toEqual([3]);
    expect(run('.spec.ports[1].port')).toEqual([443]);
    expect(run('.spec.ports[-1].name')).toEqual(['https']);
    expect(run('.spec.ports[*].port')).toEqual([80, 443]);
    expect(run(".metadata.labels['app.kubernetes.io/name']")).toEqual(['web']);
    expect(run('.metadata.labels.app\\.kubernetes\\.io/name')).toEqual(['web']);
    expect(run('.status.conditions[?(@.type=="Ready")].status')).toEqual(['True']);
    expect(run('.status.conditions[?(@.status!="True")].type')).toEqual(['Synced']);
    expect(run('.spec.missing')).toEqual([]);
  });

  it('gives up on paths outside the subset', () => {
    expect(parseJsonPath('spec')).toBeUndefined();
    expect(parseJsonPath('.a[?(@.x > 1)]')).toBeUndefined();
  });
});
