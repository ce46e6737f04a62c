import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../defaults.js';
import { validateBinding, validateObject } from './index.js';
import { expectCause, res, type AnyObj } from '../testing/validation-fixtures.js';

const v = (kind: string, o: AnyObj, old?: AnyObj) => validateObject(res(kind), o, old);
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('Node', () => {
  const node = (): AnyObj => ({
    metadata: { name: 'node-1' },
    spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
    status: { capacity: { cpu: '2', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] },
  });
  it('accepts a valid node', () => expect(v('Node', node())).toEqual([]));
  it.each<[string, (n: AnyObj) => void, string, string]>([
    ['taint effect', (n) => (n.spec.taints[0].effect = 'Evict'), 'spec.taints[0].effect', 'FieldValueNotSupported'],
    ['taint effect missing', (n) => delete n.spec.taints[0].effect, 'spec.taints[0].effect', 'FieldValueRequired'],
    ['taint key missing', (n) => delete n.spec.taints[0].key, 'spec.taints[0].key', 'FieldValueRequired'],
    ['taint duplicate', (n) => n.spec.taints.push({ key: 'dedicated', effect: 'NoSchedule' }), 'spec.taints[1]', 'FieldValueDuplicate'],
    ['unschedulable type', (n) => (n.spec.unschedulable = 'yes'), 'spec.unschedulable', 'FieldValueInvalid'],
    ['capacity quantity', (n) => (n.status.capacity.cpu = 'two'), 'status.capacity[cpu]', 'FieldValueInvalid'],
    ['condition status', (n) => (n.status.conditions[0].status = 'Yes'), 'status.conditions[0].status', 'FieldValueNotSupported'],
    ['name', (n) => (n.metadata.name = 'Node_1'), 'metadata.name', 'FieldValueInvalid'],
    ['podCIDR not a CIDR', (n) => (n.spec.podCIDR = '10.244.1.0'), 'spec.podCIDR', 'FieldValueInvalid'],
    ['podCIDRs host bits', (n) => (n.spec.podCIDRs = ['10.244.1.7/24']), 'spec.podCIDRs[0]', 'FieldValueInvalid'],
    ['podCIDRs two of a family', (n) => (n.spec.podCIDRs = ['10.244.1.0/24', '10.244.2.0/24']), 'spec.podCIDRs', 'FieldValueInvalid'],
    ['podCIDR differs from podCIDRs[0]', (n) => Object.assign(n.spec, { podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.1.0/24'] }), 'spec.podCIDR', 'FieldValueInvalid'],
  ])('%s', (_n, mutate, field, reason) => {
    const n = node();
    mutate(n);
    expectCause(v('Node', n), field, reason);
  });
  it('pod ranges: dual stack accepted; set once from empty, never changed or removed', () => {
    const withCidrs = (c?: string[]): AnyObj => ({ ...node(), spec: { ...(c ? { podCIDR: c[0], podCIDRs: c } : {}) } });
    const dual = withCidrs(['10.244.1.0/24', 'fd00:10:244:1::/64']);
    expect(v('Node', dual)).toEqual([]);
    expect(v('Node', dual, withCidrs())).toEqual([]);
    expectCause(v('Node', withCidrs(['10.244.2.0/24', 'fd00:10:244:1::/64']), dual), 'spec.podCIDRs', 'FieldValueForbidden');
    expectCause(v('Node', withCidrs(), dual), 'spec.podCIDRs', 'FieldValueForbidden');
    expect(v('Node', dual, dual)).toEqual([]);
  });
});

describe('ConfigMap and Secret', () => {
  const cm = (): AnyObj => ({ metadata: { name: 'cfg', namespace: 'default' }, data: { 'app.conf': 'x=1', MODE: 'prod' }, binaryData: { blob: b64('\x00\x01') } });
  const secret = (): AnyObj => ({ metadata: { name: 's', namespace: 'default' }, type: 'Opaque', data: { password: b64('hunter2') } });

  it('accepts valid objects', () => {
    expect(v('ConfigMap', cm())).toEqual([]);
    expect(v('Secret', secret())).toEqual([]);
    const s = secret();
    s.stringData = { user: 'admin' };
    applyDefaults(res('Secret'), s);
    expect(v('Secret', s)).toEqual([]);
  });

  it.each<[string, string, (o: AnyObj) => void, string, string]>([
    ['ConfigMap', 'bad key', (o) => (o.data['bad key'] = 'x'), 'data[bad key]', 'FieldValueInvalid'],
    ['ConfigMap', 'key ..', (o) => (o.data['..'] = 'x'), 'data[..]', 'FieldValueInvalid'],
    ['ConfigMap', 'value not string', (o) => (o.data.n = 5), 'data[n]', 'FieldValueInvalid'],
    ['ConfigMap', 'binaryData not base64', (o) => (o.binaryData.blob = 'not base64!'), 'binaryData[blob]', 'FieldValueInvalid'],
    ['ConfigMap', 'key in data and binaryData', (o) => (o.binaryData.MODE = b64('x')), 'binaryData[MODE]', 'FieldValueInvalid'],
    ['ConfigMap', 'over 1 MiB', (o) => (o.data.big = 'x'.repeat(1024 * 1024 + 1)), 'data', 'FieldValueTooLong'],
    ['Secret', 'data not base64', (o) => (o.data.password = 'hunter2!'), 'data[password]', 'FieldValueInvalid'],
    ['Secret', 'bad padding', (o) => (o.data.password = 'abc'), 'data[password]', 'FieldValueInvalid'],
    ['Secret', 'bad key', (o) => (o.data['a/b'] = b64('x')), 'data[a/b]', 'FieldValueInvalid'],
    ['Secret', 'tls without key', (o) => (o.type = 'kubernetes.io/tls'), 'data[tls.crt]', 'FieldValueRequired'],
    ['Secret', 'over 1 MiB decoded', (o) => (o.data.big = b64('x'.repeat(1024 * 1024 + 1))), 'data', 'FieldValueTooLong'],
    ['Secret', 'immutable not boolean', (o) => (o.immutable = 'yes'), 'immutable', 'FieldValueInvalid'],
  ])('%s: %s', (kind, _n, mutate, field, reason) => {
    const o = kind === 'ConfigMap' ? cm() : secret();
    mutate(o);
    expectCause(v(kind, o), field, reason);
  });

  it('immutable objects: data frozen, flag cannot be unset, metadata may change', () => {
    for (const [kind, make] of [
      ['ConfigMap', cm],
      ['Secret', secret],
    ] as const) {
      const old = make();
      old.immutable = true;
      const labelsOnly = make();
      labelsOnly.immutable = true;
      labelsOnly.metadata.labels = { a: 'b' };
      expect(v(kind, labelsOnly, old)).toEqual([]);
      const changed = make();
      changed.immutable = true;
      changed.data = { other: kind === 'Secret' ? b64('x') : 'x' };
      expectCause(v(kind, changed, old), 'data', 'FieldValueForbidden', /immutable/);
      const unset = make();
      unset.immutable = false;
      expectCause(v(kind, unset, old), 'immutable', 'FieldValueForbidden', /immutable/);
      // A mutable object may change freely and may become immutable.
      const mutableOld = make();
      const becomes = make();
      becomes.immutable = true;
      becomes.data = {};
      expect(v(kind, becomes, mutableOld)).toEqual([]);
    }
  });

  it('secret type is immutable', () => {
    const s = secret();
    s.type = 'example.com/other';
    expectCause(v('Secret', s, secret()), 'type', 'FieldValueInvalid', /immutable/);
  });
});

describe('Service', () => {
  const svc = (): AnyObj => ({ metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 'https' }] } });
  it('accepts a valid service (and after defaults)', () => {
    expect(v('Service', svc())).toEqual([]);
    const s = svc();
    applyDefaults(res('Service'), s);
    expect(v('Service', s)).toEqual([]);
  });
  it.each<[string, (s: AnyObj) => void, string, string]>([
    ['port 0', (s) => (s.spec.ports[0].port = 0), 'spec.ports[0].port', 'FieldValueInvalid'],
    ['port too big', (s) => (s.spec.ports[0].port = 65536), 'spec.ports[0].port', 'FieldValueInvalid'],
    ['port missing', (s) => delete s.spec.ports[0].port, 'spec.ports[0].port', 'FieldValueRequired'],
    ['duplicate port', (s) => (s.spec.ports[1].port = 80), 'spec.ports[1]', 'FieldValueDuplicate'],
    ['duplicate name', (s) => (s.spec.ports[1].name = 'http'), 'spec.ports[1].name', 'FieldValueDuplicate'],
    ['name required with several ports', (s) => delete s.spec.ports[1].name, 'spec.ports[1].name', 'FieldValueRequired'],
    ['targetPort too big', (s) => (s.spec.ports[0].targetPort = 99999), 'spec.ports[0].targetPort', 'FieldValueInvalid'],
    ['targetPort bad name', (s) => (s.spec.ports[1].targetPort = 'Bad_Name'), 'spec.ports[1].targetPort', 'FieldValueInvalid'],
    ['protocol', (s) => (s.spec.ports[0].protocol = 'ICMP'), 'spec.ports[0].protocol', 'FieldValueNotSupported'],
    ['type', (s) => (s.spec.type = 'Magic'), 'spec.type', 'FieldValueNotSupported'],
    ['no ports', (s) => (s.spec.ports = []), 'spec.ports', 'FieldValueRequired'],
    ['selector bad value', (s) => (s.spec.selector = { app: 'bad value' }), 'spec.selector', 'FieldValueInvalid'],
    ['nodePort on ClusterIP', (s) => (s.spec.ports[0].nodePort = 30080), 'spec.ports[0].nodePort', 'FieldValueForbidden'],
    ['clusterIP not an IP', (s) => (s.spec.clusterIP = 'not-an-ip'), 'spec.clusterIP', 'FieldValueInvalid'],
    ['clusterIP a number', (s) => (s.spec.clusterIP = 10), 'spec.clusterIP', 'FieldValueInvalid'],
    ['clusterIP with a prefix length', (s) => (s.spec.clusterIP = '10.0.0.1/24'), 'spec.clusterIP', 'FieldValueInvalid'],
    ['clusterIP on ExternalName', (s) => Object.assign(s.spec, { type: 'ExternalName', externalName: 'example.com', clusterIP: '10.0.0.1' }), 'spec.clusterIP', 'FieldValueForbidden'],
    ['headless NodePort', (s) => Object.assign(s.spec, { type: 'NodePort', clusterIP: 'None' }), 'spec.clusterIP', 'FieldValueInvalid'],
    ['clusterIPs not IPs', (s) => (s.spec.clusterIPs = ['10.0.0.1', 'nope']), 'spec.clusterIPs[1]', 'FieldValueInvalid'],
    ['clusterIPs[0] differs from clusterIP', (s) => Object.assign(s.spec, { clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.2'] }), 'spec.clusterIPs[0]', 'FieldValueInvalid'],
    ['clusterIPs of one family twice', (s) => (s.spec.clusterIPs = ['10.0.0.1', '10.0.0.2']), 'spec.clusterIPs[1]', 'FieldValueInvalid'],
    ['SCTP (the proxy does TCP and UDP)', (s) => (s.spec.ports[0].protocol = 'SCTP'), 'spec.ports[0].protocol', 'FieldValueNotSupported'],
    ['nodePort on ExternalName', (s) => Object.assign(s.spec, { type: 'ExternalName', externalName: 'example.com', ports: [{ port: 80, nodePort: 30080 }] }), 'spec.ports[0].nodePort', 'FieldValueForbidden'],
    ['externalTrafficPolicy value', (s) => Object.assign(s.spec, { type: 'NodePort', externalTrafficPolicy: 'Nearby' }), 'spec.externalTrafficPolicy', 'FieldValueNotSupported'],
    ['externalTrafficPolicy on ClusterIP', (s) => (s.spec.externalTrafficPolicy = 'Local'), 'spec.externalTrafficPolicy', 'FieldValueInvalid'],
    ['internalTrafficPolicy value', (s) => (s.spec.internalTrafficPolicy = 'local'), 'spec.internalTrafficPolicy', 'FieldValueNotSupported'],
    ['externalIPs not IPs', (s) => (s.spec.externalIPs = ['1.2.3.4', 'example.com']), 'spec.externalIPs[1]', 'FieldValueInvalid'],
    ['sessionAffinity value', (s) => (s.spec.sessionAffinity = 'Cookie'), 'spec.sessionAffinity', 'FieldValueNotSupported'],
    ['sessionAffinityConfig without ClientIP', (s) => (s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 60 } }), 'spec.sessionAffinityConfig', 'FieldValueForbidden'],
    ['healthCheckNodePort without LoadBalancer + Local', (s) => Object.assign(s.spec, { type: 'NodePort', externalTrafficPolicy: 'Local', healthCheckNodePort: 30100 }), 'spec.healthCheckNodePort', 'FieldValueInvalid'],
    ['allocateLoadBalancerNodePorts on NodePort', (s) => Object.assign(s.spec, { type: 'NodePort', allocateLoadBalancerNodePorts: false }), 'spec.allocateLoadBalancerNodePorts', 'FieldValueForbidden'],
    ['ipFamilyPolicy value', (s) => (s.spec.ipFamilyPolicy = 'DualStack'), 'spec.ipFamilyPolicy', 'FieldValueNotSupported'],
    ['ipFamilies value', (s) => (s.spec.ipFamilies = ['IPv5']), 'spec.ipFamilies[0]', 'FieldValueNotSupported'],
    ['loadBalancerIP (not implemented)', (s) => Object.assign(s.spec, { type: 'LoadBalancer', loadBalancerIP: '1.2.3.4' }), 'spec.loadBalancerIP', 'FieldValueForbidden'],
    ['loadBalancerSourceRanges (not implemented)', (s) => Object.assign(s.spec, { type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8'] }), 'spec.loadBalancerSourceRanges', 'FieldValueForbidden'],
    ['loadBalancerClass (not implemented)', (s) => Object.assign(s.spec, { type: 'LoadBalancer', loadBalancerClass: 'example.com/lb' }), 'spec.loadBalancerClass', 'FieldValueForbidden'],
    ['trafficDistribution (not implemented)', (s) => (s.spec.trafficDistribution = 'PreferClose'), 'spec.trafficDistribution', 'FieldValueForbidden'],
  ])('%s', (_n, mutate, field, reason) => {
    const s = svc();
    mutate(s);
    expectCause(v('Service', s), field, reason);
  });

  it('accepts what orch implements: traffic policies where allowed, external IPs, ClientIP affinity, LoadBalancer options', () => {
    const ok = (spec: Record<string, unknown>) => expect(v('Service', { ...svc(), spec: { ...svc().spec, ...spec } })).toEqual([]);
    ok({ type: 'NodePort', externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local' });
    ok({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 30100, allocateLoadBalancerNodePorts: false });
    ok({ externalIPs: ['192.0.2.7'], externalTrafficPolicy: 'Cluster' });
    ok({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } });
    ok({ ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] });
    expect(v('Service', { ...svc(), spec: { ...svc().spec, ports: [{ name: 'u', port: 53, protocol: 'UDP' }, { name: 't', port: 53, protocol: 'TCP' }] } })).toEqual([]);
  });

  it('says why SCTP and the load balancer fields are refused', () => {
    const sctp = v('Service', { ...svc(), spec: { ...svc().spec, ports: [{ port: 80, protocol: 'SCTP' }] } });
    expect(sctp[0]!.message).toContain('TCP and UDP only');
    const lb = v('Service', { ...svc(), spec: { ...svc().spec, type: 'LoadBalancer', loadBalancerIP: '1.2.3.4' } });
    expect(lb[0]!.message).toContain('orch does not support this field');
  });

  it('accepts an IPv4 or IPv6 clusterIP, "None" and empty', () => {
    for (const ip of ['10.96.0.10', 'fd00::a', 'None', '']) expect(v('Service', { ...svc(), spec: { ...svc().spec, clusterIP: ip } })).toEqual([]);
    expect(v('Service', { ...svc(), spec: { ...svc().spec, clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00::a'] } })).toEqual([]);
  });

  it('clusterIP and clusterIPs[0] are immutable once set (but may be set the first time)', () => {
    const old = svc();
    old.spec.clusterIP = '10.96.0.10';
    old.spec.clusterIPs = ['10.96.0.10'];
    const moved = svc();
    moved.spec.clusterIP = '10.96.0.11';
    moved.spec.clusterIPs = ['10.96.0.11'];
    expectCause(v('Service', moved, old), 'spec.clusterIP', 'FieldValueInvalid', /field is immutable/);
    expectCause(v('Service', moved, old), 'spec.clusterIPs[0]', 'FieldValueInvalid', /field is immutable/);
    const dual = svc();
    dual.spec.clusterIP = '10.96.0.10';
    dual.spec.clusterIPs = ['10.96.0.10', 'fd00::a'];
    const movedSecond = svc();
    movedSecond.spec.clusterIP = '10.96.0.10';
    movedSecond.spec.clusterIPs = ['10.96.0.10', 'fd00::b'];
    expectCause(v('Service', movedSecond, dual), 'spec.clusterIPs[1]', 'FieldValueInvalid', /field is immutable/);
    const single = svc();
    single.spec.clusterIP = '10.96.0.10';
    single.spec.clusterIPs = ['10.96.0.10'];
    expect(v('Service', single, dual)).toEqual([]);
    expect(v('Service', old, svc())).toEqual([]);
    // Turning into an ExternalName service releases the IP.
    const ext = svc();
    Object.assign(ext.spec, { type: 'ExternalName', externalName: 'example.com' });
    expect(v('Service', ext, old)).toEqual([]);
  });
});

describe('Lease, Event, Namespace, Endpoints', () => {
  const lease = (): AnyObj => ({
    metadata: { name: 'scheduler', namespace: 'kube-system' },
    spec: { holderIdentity: 'host-1_abc', leaseDurationSeconds: 15, leaseTransitions: 0, acquireTime: '2026-01-01T00:00:00.000000Z', renewTime: '2026-01-01T00:00:05Z' },
  });
  it('valid lease', () => expect(v('Lease', lease())).toEqual([]));
  it.each<[string, (l: AnyObj) => void, string]>([
    ['leaseDurationSeconds 0', (l) => (l.spec.leaseDurationSeconds = 0), 'spec.leaseDurationSeconds'],
    ['leaseTransitions negative', (l) => (l.spec.leaseTransitions = -1), 'spec.leaseTransitions'],
    ['renewTime garbage', (l) => (l.spec.renewTime = 'yesterday'), 'spec.renewTime'],
    ['holderIdentity type', (l) => (l.spec.holderIdentity = 5), 'spec.holderIdentity'],
  ])('lease %s', (_n, mutate, field) => {
    const l = lease();
    mutate(l);
    expectCause(v('Lease', l), field, 'FieldValueInvalid');
  });
  it('lease with nulls (released) is valid', () => {
    const l = lease();
    l.spec.holderIdentity = null;
    l.spec.renewTime = null;
    expect(v('Lease', l)).toEqual([]);
  });

  const event = (): AnyObj => ({
    metadata: { name: 'web-1.abc', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default' },
    reason: 'Scheduled',
    message: 'ok',
    type: 'Normal',
    count: 1,
    firstTimestamp: '2026-01-01T00:00:00Z',
  });
  it('valid event', () => expect(v('Event', event())).toEqual([]));
  it('event rules', () => {
    const e = event();
    delete e.involvedObject;
    expectCause(v('Event', e), 'involvedObject', 'FieldValueRequired');
    const t = event();
    t.type = 'Error';
    expectCause(v('Event', t), 'type', 'FieldValueNotSupported');
    const c = event();
    c.count = -1;
    expectCause(v('Event', c), 'count', 'FieldValueInvalid');
  });

  it('namespace finalizers and phase', () => {
    expect(v('Namespace', { metadata: { name: 'team-a' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } })).toEqual([]);
    expectCause(v('Namespace', { metadata: { name: 'x' }, status: { phase: 'Gone' } }), 'status.phase', 'FieldValueNotSupported');
  });

  it('endpoints', () => {
    const ep: AnyObj = { metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 8080, protocol: 'TCP' }] }] };
    expect(v('Endpoints', ep)).toEqual([]);
    ep.subsets[0].ports[0].port = 0;
    expectCause(v('Endpoints', ep), 'subsets[0].ports[0].port', 'FieldValueInvalid');
  });
});

describe('Binding', () => {
  const bind = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ metadata: { name: 'p' }, target: { kind: 'Node', name: 'node-1' }, ...over });
  it('accepts what the scheduler sends, and annotations', () => {
    expect(validateBinding(bind(), 'p', 'default')).toEqual([]);
    expect(validateBinding(bind({ metadata: { annotations: { 'example.com/why': 'spread' } } }), 'p', 'default')).toEqual([]);
  });
  it.each<[string, Record<string, unknown>, string, string]>([
    // Regression: these annotations were stored on the pod, and every later write of it got 422.
    ['bad annotation key', { metadata: { annotations: { 'bad key!': 'v' } } }, 'metadata.annotations', 'FieldValueInvalid'],
    ['annotation value an object', { metadata: { annotations: { a: { deep: 1 } } } }, 'metadata.annotations[a]', 'FieldValueInvalid'],
    ['annotations over 256 KiB', { metadata: { annotations: { a: 'x'.repeat(300 * 1024) } } }, 'metadata.annotations', 'FieldValueTooLong'],
    ['metadata not an object', { metadata: 'x' }, 'metadata', 'FieldValueInvalid'],
    ['no target', { target: undefined }, 'target.name', 'FieldValueRequired'],
    ['target not an object', { target: 'node-1' }, 'target', 'FieldValueInvalid'],
    ['target name not a node name', { target: { name: 'Not_A_Node' } }, 'target.name', 'FieldValueInvalid'],
    ['target name a number', { target: { name: 5 } }, 'target.name', 'FieldValueInvalid'],
    ['target kind', { target: { kind: 'Pod', name: 'n' } }, 'target.kind', 'FieldValueNotSupported'],
  ])('%s', (_n, over, field, reason) => {
    expectCause(validateBinding(bind(over), 'p', 'default'), field, reason);
  });
});
