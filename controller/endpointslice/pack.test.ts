import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Pod, Service } from '../../api/types.js';
import { podOf, svcOf } from '../testing/service-fixtures.js';
import { desiredGroups } from './desired.js';
import { planSlices, type SlicePlan } from './pack.js';

const meta = { labels: { 'kubernetes.io/service-name': 'web' }, ownerReferences: [] };
let created = 0;

/** Plans, then applies the plan the way the apiserver would (names for creates), returning the new state. */
function sync(svc: Service, pods: Pod[], existing: EndpointSlice[], max = 100): { plan: SlicePlan; slices: EndpointSlice[] } {
  const plan = planSlices({
    existing,
    groups: desiredGroups(svc, pods),
    meta,
    placeholderType: 'IPv4',
    maxEndpoints: max,
    newSlice: (g) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { generateName: 'web-', namespace: 'default', ...meta }, addressType: g.addressType, endpoints: [], ports: g.ports }),
  });
  const gone = new Set(plan.delete.map((s) => s.metadata.name));
  const updated = new Map(plan.update.map((s) => [s.metadata.name, s]));
  const slices = existing.filter((s) => !gone.has(s.metadata.name)).map((s) => updated.get(s.metadata.name) ?? s);
  for (const c of plan.create) slices.push({ ...c, metadata: { ...c.metadata, name: `web-${++created}` } });
  return { plan, slices };
}

const counts = (p: SlicePlan) => ({ create: p.create.length, update: p.update.length, delete: p.delete.length });
const pods = (n: number, from = 0, o: Parameters<typeof podOf>[1] = {}) => Array.from({ length: n }, (_, i) => podOf(`p${from + i}`, { ip: `10.244.${(from + i) >> 8}.${(from + i) & 255}`, ...o }));
const allAddresses = (slices: EndpointSlice[]) => slices.flatMap((s) => s.endpoints.flatMap((e) => e.addresses)).sort();

describe('slice packing', () => {
  const svc = svcOf();

  it('at most 100 endpoints a slice: 250 pods → 3 slices, every pod once', () => {
    const { plan, slices } = sync(svc, pods(250), []);
    expect(counts(plan)).toEqual({ create: 3, update: 0, delete: 0 });
    expect(slices.map((s) => s.endpoints.length).sort()).toEqual([100, 100, 50]);
    expect(new Set(allAddresses(slices)).size).toBe(250);
    expect(slices[0]!.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 8080 }]);
  });

  it('no change → no write', () => {
    const { slices } = sync(svc, pods(150), []);
    expect(counts(sync(svc, pods(150), slices).plan)).toEqual({ create: 0, update: 0, delete: 0 });
  });

  it('one pod becomes unready → only its slice is updated', () => {
    const { slices } = sync(svc, pods(150), []);
    const next = pods(150);
    next[120] = podOf('p120', { ip: '10.244.0.120', ready: false });
    const { plan } = sync(svc, next, slices);
    expect(counts(plan)).toEqual({ create: 0, update: 1, delete: 0 });
    expect(plan.update[0]!.endpoints.find((e) => e.targetRef?.name === 'p120')!.conditions).toEqual({ ready: false, serving: false, terminating: false });
  });

  it('endpoints stay where they are; new ones fill a slice that is written anyway', () => {
    const first = sync(svc, pods(150), []).slices; // 100 + 50
    const without = pods(150).filter((p) => p.metadata.name !== 'p3'); // p3 lived in the full slice
    const { plan, slices } = sync(svc, [...without, ...pods(1, 500)], first);
    expect(counts(plan)).toEqual({ create: 0, update: 1, delete: 0 });
    expect(plan.update[0]!.endpoints).toHaveLength(100);
    expect(allAddresses(slices)).toHaveLength(150);
  });

  it('a remainder goes into an unchanged slice only if it fits whole; else a new slice', () => {
    const first = sync(svc, pods(150), []).slices; // 100 + 50
    expect(counts(sync(svc, [...pods(150), ...pods(10, 500)], first).plan)).toEqual({ create: 0, update: 1, delete: 0 });
    expect(counts(sync(svc, [...pods(150), ...pods(60, 500)], first).plan)).toEqual({ create: 1, update: 0, delete: 0 });
  });

  it('scaled to zero: one empty placeholder slice remains, reused (no create + delete)', () => {
    const first = sync(svc, pods(150), []).slices;
    const { plan, slices } = sync(svc, [], first);
    expect(counts(plan)).toEqual({ create: 0, update: 1, delete: 1 });
    expect(slices).toHaveLength(1);
    expect(slices[0]!.endpoints).toEqual([]);
    expect(slices[0]!.ports).toEqual([]);
    expect(counts(sync(svc, [], slices).plan)).toEqual({ create: 0, update: 0, delete: 0 });
    // And back up: the placeholder is rewritten, not deleted and replaced.
    expect(counts(sync(svc, pods(3), slices).plan)).toEqual({ create: 0, update: 1, delete: 0 });
  });

  it('pods whose named port resolves differently go to different slices', () => {
    const mixed = [...pods(3), ...pods(2, 10, { port: 9090 })];
    const { slices } = sync(svc, mixed, []);
    expect(slices.map((s) => [s.ports![0]!.port, s.endpoints.length]).sort()).toEqual([
      [8080, 3],
      [9090, 2],
    ]);
  });

  it('dual-stack service with dual-stack pods: one slice family per address type', () => {
    const dual = svcOf({ ipFamilies: ['IPv4', 'IPv6'] });
    const ps = [podOf('a1', { ip: ['10.244.0.5', 'fd00:244::5'] }), podOf('a2', { ip: ['10.244.0.6', 'fd00:244::6'] })];
    const { slices } = sync(dual, ps, []);
    expect(slices.map((s) => [s.addressType, s.endpoints.map((e) => e.addresses[0])])).toEqual([
      ['IPv4', ['10.244.0.5', '10.244.0.6']],
      ['IPv6', ['fd00:244::5', 'fd00:244::6']],
    ]);
  });

  it('endpoints carry nodeName, targetRef and the hostname when the subdomain names the service', () => {
    const p = podOf('db-0', { ip: '10.244.1.9', node: 'node-2' });
    p.spec.hostname = 'db-0';
    p.spec.subdomain = 'web';
    const other = podOf('x1', { ip: '10.244.1.10' });
    other.spec.hostname = 'x1';
    other.spec.subdomain = 'elsewhere';
    const [slice] = sync(svc, [p, other], []).slices;
    expect(slice!.endpoints).toEqual([
      { addresses: ['10.244.1.9'], conditions: { ready: true, serving: true, terminating: false }, hostname: 'db-0', nodeName: 'node-2', targetRef: { kind: 'Pod', namespace: 'default', name: 'db-0', uid: 'uid-db-0' } },
      { addresses: ['10.244.1.10'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'x1', uid: 'uid-x1' } },
    ]);
  });

  it('a terminating pod stays listed (terminating, not ready) until it is gone', () => {
    const { slices } = sync(svc, [podOf('t1', { deleting: true })], []);
    expect(slices[0]!.endpoints[0]!.conditions).toEqual({ ready: false, serving: true, terminating: true });
  });

  it('changed service labels are written to the slices', () => {
    const { slices } = sync(svc, pods(2), []);
    const stale = slices.map((s) => ({ ...s, metadata: { ...s.metadata, labels: { old: 'x' } } }));
    expect(counts(sync(svc, pods(2), stale).plan)).toEqual({ create: 0, update: 1, delete: 0 });
  });
});
