// The rules of one service, exactly (pure): what each kind of service becomes in iptables.

import { describe, expect, it } from 'vitest';
import { belongsTo, instanceChains, instanceId, isProxyChain } from './names.js';
import { nodeModel, servicePorts } from './service-model.js';
import type { Node } from '../../api/types.js';
import { ipBucket, sepChain, serviceRules, svcChains } from './service-rules.js';
import { service, slice, type Ep } from '../testing/objects.js';

const c = instanceChains('a1b2c3');
const node = { name: 'n1', podCIDRs: ['10.244.1.0/24'] };

function rulesOf(svc: ReturnType<typeof service>, eps: Ep[], ports?: Parameters<typeof slice>[2]) {
  const models = servicePorts(svc, [slice(svc.metadata.name!, eps, ports)], 'n1');
  return { r: serviceRules(c, node, models), p: models[0]!, models };
}

describe('service rules', () => {
  it('ClusterIP: dispatch in the /24 bucket, masquerade from outside the pod range, 1/n random jumps, hairpin mark + DNAT per endpoint', () => {
    const { r, p } = rulesOf(service('web', '10.96.0.10'), [{ ip: '10.244.1.5' }, { ip: '10.244.2.5' }, { ip: '10.244.3.5' }]);
    const { svc } = svcChains(c, p);
    const [s1, s2, s3] = p.endpoints.map((e) => sepChain(c, p, e));
    expect(r.buckets).toEqual(new Map([['ORCH-SERVICES-a1b2c3-0a6000', `-A ORCH-SERVICES-a1b2c3-0a6000 -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web:http cluster IP" -j ${svc}`]]));
    expect(r.matches.get('ORCH-SERVICES-a1b2c3-0a6000')).toBe('-d 10.96.0.0/24');
    expect(r.nat.get(svc)!.split('\n')).toEqual([
      `-A ${svc} ! -s 10.244.1.0/24 -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j ORCH-MARK-a1b2c3`,
      `-A ${svc} -m statistic --mode random --probability 0.3333333333 -j ${s1}`,
      `-A ${svc} -m statistic --mode random --probability 0.5000000000 -j ${s2}`,
      `-A ${svc} -j ${s3}`,
    ]);
    expect(r.nat.get(s1!)!.split('\n')).toEqual([`-A ${s1} -s 10.244.1.5/32 -j ORCH-MARK-a1b2c3`, `-A ${s1} -p tcp -m tcp -j DNAT --to-destination 10.244.1.5:8080`]);
    expect([...r.nat.keys()].sort()).toEqual([svc, s1, s2, s3].sort());
    expect(r.filter).toEqual([]);
    expect(r.nodePorts.size).toBe(0);
  });

  it('not-ready endpoints are left out; absent conditions count as ready', () => {
    const { p } = rulesOf(service('web', '10.96.0.10'), [{ ip: '10.244.1.5', ready: false }, { ip: '10.244.1.6' }, { ip: '10.244.1.7', ready: true }]);
    expect(p.endpoints.map((e) => e.ip)).toEqual(['10.244.1.6', '10.244.1.7']);
  });

  it('no endpoints: no nat rule, a REJECT (tcp-reset; UDP: icmp port unreachable) in the filter chain', () => {
    expect(rulesOf(service('web', '10.96.0.10'), []).r).toMatchObject({ nat: new Map(), buckets: new Map() });
    expect(rulesOf(service('web', '10.96.0.10'), []).r.filter).toEqual([
      '-A ORCH-SERVICES-a1b2c3 -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web:http has no endpoints" -j REJECT --reject-with tcp-reset',
    ]);
    const udp = rulesOf(service('dns', '10.96.0.53', {}, [{ name: 'dns', port: 53, protocol: 'UDP' }]), [], [{ name: 'dns', port: 5353, protocol: 'UDP' }]);
    expect(udp.r.filter).toEqual(['-A ORCH-SERVICES-a1b2c3 -d 10.96.0.53/32 -p udp -m udp --dport 53 -m comment --comment "default/dns:dns has no endpoints" -j REJECT --reject-with icmp-port-unreachable']);
  });

  it('UDP: the same chains with -p udp, the endpoint port by name', () => {
    const { r, p } = rulesOf(service('dns', '10.96.0.53', {}, [{ name: 'dns', port: 53, protocol: 'UDP' }]), [{ ip: '10.244.1.5' }], [{ name: 'dns', port: 5353, protocol: 'UDP' }, { name: 'metrics', port: 9153, protocol: 'TCP' }]);
    const s1 = sepChain(c, p, p.endpoints[0]!);
    expect(r.nat.get(s1)).toContain('-p udp -m udp -j DNAT --to-destination 10.244.1.5:5353');
    expect([...r.buckets.values()][0]).toContain('-p udp -m udp --dport 53');
  });

  it('NodePort (Cluster): a block chain per 100 ports jumps to the external chain, which marks everything for masquerade', () => {
    const { r, p } = rulesOf(service('web', '10.96.0.10', { type: 'NodePort' }, [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }]), [{ ip: '10.244.2.5', node: 'n2' }]);
    const { svc, ext } = svcChains(c, p);
    expect(r.nodePorts).toEqual(new Map([['ORCH-NODEPORTS-a1b2c3-t300', `-A ORCH-NODEPORTS-a1b2c3-t300 -p tcp -m tcp --dport 30080 -m comment --comment "default/web:http nodePort" -j ${ext}`]]));
    expect(r.nat.get(ext)!.split('\n')).toEqual([`-A ${ext} -j ORCH-MARK-a1b2c3`, `-A ${ext} -j ${svc}`]);
  });

  it('externalTrafficPolicy Local: pods and the node go cluster-wide (the node masqueraded), others to local endpoints unmasqueraded; no local endpoint → DROP', () => {
    const spec = { type: 'NodePort' as const, externalTrafficPolicy: 'Local' as const };
    const ports = [{ name: 'http', port: 80, protocol: 'TCP' as const, nodePort: 30081 }];
    const { r, p } = rulesOf(service('web', '10.96.0.10', spec, ports), [{ ip: '10.244.1.5', node: 'n1' }, { ip: '10.244.2.5', node: 'n2' }]);
    const { svc, local, ext } = svcChains(c, p);
    const localSep = sepChain(c, p, p.endpoints.find((e) => e.local)!);
    expect(r.nat.get(ext)!.split('\n')).toEqual([
      `-A ${ext} -s 10.244.1.0/24 -m comment --comment "pod traffic: cluster-wide" -j ${svc}`,
      `-A ${ext} -m addrtype --src-type LOCAL -j ORCH-MARK-a1b2c3`,
      `-A ${ext} -m addrtype --src-type LOCAL -m comment --comment "node traffic: cluster-wide" -j ${svc}`,
      `-A ${ext} -j ${local}`,
    ]);
    expect(r.nat.get(local)).toBe(`-A ${local} -j ${localSep}`);
    expect(r.filter).toEqual([]);
    const none = rulesOf(service('web', '10.96.0.10', spec, ports), [{ ip: '10.244.2.5', node: 'n2' }]).r;
    expect(none.nat.has(local)).toBe(false);
    expect(none.nat.get(ext)).not.toContain(local);
    expect(none.filter).toEqual(['-A ORCH-SERVICES-a1b2c3 -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30081 -m comment --comment "default/web:http nodePort has no local endpoints" -j DROP']);
  });

  it('internalTrafficPolicy Local: the ClusterIP goes to local endpoints only; none → REJECT', () => {
    const { r, p } = rulesOf(service('web', '10.96.0.10', { internalTrafficPolicy: 'Local' }), [{ ip: '10.244.1.5', node: 'n1' }, { ip: '10.244.2.5', node: 'n2' }]);
    expect([...r.buckets.values()][0]).toContain(`-j ${svcChains(c, p).local}`);
    expect(rulesOf(service('web', '10.96.0.10', { internalTrafficPolicy: 'Local' }), [{ ip: '10.244.2.5', node: 'n2' }]).r.filter[0]).toContain('-d 10.96.0.10/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web:http has no endpoints" -j REJECT');
  });

  it('ClientIP affinity: a recent check per endpoint before the random jumps, set on the way through', () => {
    const { r, p } = rulesOf(service('web', '10.96.0.10', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } }), [{ ip: '10.244.1.5' }, { ip: '10.244.1.6' }]);
    const { svc } = svcChains(c, p);
    const [s1, s2] = p.endpoints.map((e) => sepChain(c, p, e));
    expect(r.nat.get(svc)!.split('\n').slice(1)).toEqual([
      `-A ${svc} -m recent --name ${s1} --mask 255.255.255.255 --rsource --rcheck --seconds 600 --reap -j ${s1}`,
      `-A ${svc} -m recent --name ${s2} --mask 255.255.255.255 --rsource --rcheck --seconds 600 --reap -j ${s2}`,
      `-A ${svc} -m statistic --mode random --probability 0.5000000000 -j ${s1}`,
      `-A ${svc} -j ${s2}`,
    ]);
    expect(r.nat.get(s1!)).toContain(`-m recent --name ${s1} --mask 255.255.255.255 --rsource --set -j DNAT --to-destination 10.244.1.5:8080`);
  });

  it('LoadBalancer and external IPs: the service port on each IP, in that IP\'s bucket, to the external chain', () => {
    const svc = service('web', '10.96.0.10', { type: 'LoadBalancer', externalIPs: ['203.0.113.7'] }, [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30082 }]);
    svc.status = { loadBalancer: { ingress: [{ ip: '192.168.77.1' }] } };
    const { r, p } = rulesOf(svc, [{ ip: '10.244.1.5' }]);
    const { ext } = svcChains(c, p);
    expect(r.buckets.get('ORCH-SERVICES-a1b2c3-cb0071')).toBe(`-A ORCH-SERVICES-a1b2c3-cb0071 -d 203.0.113.7/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web:http external IP" -j ${ext}`);
    expect(r.buckets.get('ORCH-SERVICES-a1b2c3-c0a84d')).toBe(`-A ORCH-SERVICES-a1b2c3-c0a84d -d 192.168.77.1/32 -p tcp -m tcp --dport 80 -m comment --comment "default/web:http loadbalancer IP" -j ${ext}`);
    expect(r.nodePorts.size).toBe(1);
  });

  it('ExternalName and headless services have no rules; IPv6 uses [ip]:port and a /120 bucket', () => {
    expect(servicePorts(service('x', 'None'), [], 'n1')).toEqual([]);
    expect(servicePorts(service('x', '10.96.0.9', { type: 'ExternalName', externalName: 'example.com' }), [], 'n1')).toEqual([]);
    const { r, p } = rulesOf(service('v6', 'fd00:96::a'), [{ ip: 'fd00:244:1::5' }]);
    expect(p.family).toBe(6);
    expect(r.nat.get(sepChain(c, p, p.endpoints[0]!))).toContain('-j DNAT --to-destination [fd00:244:1::5]:8080');
    expect(ipBucket(c, 'fd00:96::a').match).toBe('-d fd00:96::/120');
  });

  it('scoping: chain names carry the instance id (cluster + node), fit in 28 characters, and two instances never share one', () => {
    const a = instanceId('cluster-uid-1', 'n1');
    const b = instanceId('cluster-uid-1', 'n2');
    const other = instanceId('cluster-uid-2', 'n1');
    expect(new Set([a, b, other]).size).toBe(3);
    const models = servicePorts(service('web', '10.96.0.10', { type: 'NodePort' }, [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }]), [slice('web', [{ ip: '10.244.1.5' }])], 'n1');
    const names = (id: string) => {
      const ch = instanceChains(id);
      const r = serviceRules(ch, node, models);
      return [...r.nat.keys(), ...r.buckets.keys(), ...r.nodePorts.keys(), ...Object.values(ch).filter((v) => v !== id)];
    };
    for (const n of names(a)) {
      expect(n.length).toBeLessThanOrEqual(28);
      expect(belongsTo(n, a)).toBe(true);
      expect(belongsTo(n, b)).toBe(false);
      expect(isProxyChain(n)).toBe(true);
    }
    expect(names(a).filter((n) => names(b).includes(n))).toEqual([]);
    expect(isProxyChain('ORCH-FWD-0a1b2c3d')).toBe(false);
    expect(isProxyChain('ORCH-POSTROUTING')).toBe(false);
  });
});

describe('nodeModel: which sources are pod traffic', () => {
  const n = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] } } as Node;
  it('the cluster\'s ranges when known (nodes sharing a namespace see each other\'s pods), else the node\'s own', () => {
    expect(nodeModel('n1', n, ['10.244.0.0/16']).podCIDRs).toEqual(['10.244.0.0/16']);
    expect(nodeModel('n1', n, undefined).podCIDRs).toEqual(['10.244.1.0/24']);
    expect(nodeModel('n1', n, []).podCIDRs).toEqual(['10.244.1.0/24']);
    expect(nodeModel('n1', undefined, undefined).podCIDRs).toEqual([]);
  });
});
