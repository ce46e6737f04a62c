import { describe, expect, it } from 'vitest';
import type { ServicePortModel } from '../rules/service-model.js';
import { serviceChainNames, serviceProgram } from './nft-program.js';
import { NftState } from './nft-state.js';
import { elementValue, encodeProgram } from './program-text.js';

const node = { name: 'n1', podCIDRs: ['10.244.0.0/16'] };
const T = 'ip orch-proxy-abc';

function port(name: string, clusterIP: string, ips: string[], extra: Partial<ServicePortModel> = {}): ServicePortModel {
  return {
    name: `default/${name}:`,
    family: 4,
    protocol: 'tcp',
    clusterIP,
    port: 80,
    externalIPs: [],
    loadBalancerIPs: [],
    externalLocal: false,
    internalLocal: false,
    endpoints: ips.map((ip) => ({ ip, port: 8080, local: ip.endsWith('.1') })),
    ...extra,
  };
}

const lines = (text: string) => text.trim().split('\n');

describe('nftables programs', () => {
  it('balances over the endpoints with independent draws: 1/3, 1/2, the rest', () => {
    const p = port('web', '10.96.0.10', ['10.244.1.1', '10.244.2.2', '10.244.3.3']);
    const prog = serviceProgram(node, [p]);
    const { svc } = serviceChainNames(p);
    expect(prog.chains.get(svc)).toEqual([
      'ip saddr != 10.244.0.0/16 ip daddr 10.96.0.10 meta l4proto tcp th dport 80 meta mark set meta mark or 0x2000',
      'numgen random mod 3 == 0 meta l4proto tcp dnat to 10.244.1.1:8080',
      'numgen random mod 2 == 0 meta l4proto tcp dnat to 10.244.2.2:8080',
      'meta l4proto tcp dnat to 10.244.3.3:8080',
    ]);
    expect(prog.elements).toContainEqual({ set: 'service-ips', key: '10.96.0.10 . tcp . 80', value: `goto ${svc}` });
    expect(prog.elements.filter((e) => e.set === 'hairpin')).toHaveLength(3);
  });

  it('no endpoints: a reject element instead of a chain; Local external without a local endpoint: a drop element', () => {
    expect(serviceProgram(node, [port('e', '10.96.0.11', [])])).toMatchObject({ chains: new Map(), elements: [{ set: 'no-endpoint-services', key: '10.96.0.11 . tcp . 80' }] });
    const prog = serviceProgram(node, [port('l', '10.96.0.12', ['10.244.2.2'], { nodePort: 30001, externalLocal: true })]);
    expect(prog.elements).toContainEqual({ set: 'no-local-nodeports', key: 'tcp . 30001' });
    expect(prog.elements).toContainEqual({ set: 'service-nodeports', key: 'tcp . 30001', value: expect.stringMatching(/^goto svcx-/) });
  });

  it('ClientIP affinity: a dynamic set per endpoint, looked up first and refreshed on use', () => {
    const p = port('s', '10.96.0.13', ['10.244.1.1', '10.244.2.2'], { affinitySeconds: 60 });
    const prog = serviceProgram(node, [p]);
    expect([...prog.affinitySets.values()]).toEqual([60, 60]);
    const rules = prog.chains.get(serviceChainNames(p).svc)!;
    expect(rules[1]).toMatch(/^ip saddr @aff-\w+ meta l4proto tcp update @aff-\w+ \{ ip saddr \} dnat to 10\.244\.1\.1:8080$/);
    expect(rules[3]).toMatch(/^numgen random mod 2 == 0 meta l4proto tcp update @aff-\w+ \{ ip saddr \} dnat to 10\.244\.1\.1:8080$/);
  });
});

describe('nftables state', () => {
  const prog = (name: string, ip: string, eps: string[]) => serviceProgram(node, [port(name, ip, eps)]);

  it('recover deletes and rebuilds the table in one transaction; declarations come before their users', () => {
    const s = new NftState('ip', 'orch-proxy-abc');
    s.setService('default/web', prog('web', '10.96.0.10', ['10.244.1.1']));
    const l = lines(s.plan({ full: true, recover: true }).text);
    expect(l.slice(0, 3)).toEqual([`add table ${T}`, `delete table ${T}`, `add table ${T}`]);
    const firstRule = l.findIndex((x) => x.startsWith('add rule'));
    const lastChain = l.map((x) => x.startsWith('add chain')).lastIndexOf(true);
    expect(lastChain).toBeLessThan(firstRule);
    expect(l.at(-1)).toBe(`add element ${T} canary { 1 }`);
  });

  it("a family's first sync builds its table even when it is a partial one (the first IPv6 service)", () => {
    const s = new NftState('ip6', 'orch-proxy-abc');
    s.setService('default/v6', serviceProgram(node, [port('v6', 'fd00:96::1', [], { family: 6 })]));
    const l = lines(s.plan({ full: false, recover: false }).text);
    expect(l.slice(0, 3)).toEqual(['add table ip6 orch-proxy-abc', 'delete table ip6 orch-proxy-abc', 'add table ip6 orch-proxy-abc']);
  });

  it('a partial sync writes only the changed service, and nothing when nothing changed', () => {
    const s = new NftState('ip', 'orch-proxy-abc');
    s.setService('default/a', prog('a', '10.96.0.1', ['10.244.1.1']));
    s.setService('default/b', prog('b', '10.96.0.2', ['10.244.2.2']));
    s.plan({ full: true, recover: true }).commit();
    s.setService('default/b', prog('b', '10.96.0.2', ['10.244.2.2']));
    expect(s.plan({ full: false, recover: false }).text).toBe('');
    s.setService('default/b', prog('b', '10.96.0.2', ['10.244.3.3']));
    const plan = s.plan({ full: false, recover: false });
    const { svc } = serviceChainNames(port('b', '', []));
    expect(lines(plan.text)).toEqual([
      `flush chain ${T} ${svc}`,
      `add rule ${T} ${svc} ip saddr != 10.244.0.0/16 ip daddr 10.96.0.2 meta l4proto tcp th dport 80 meta mark set meta mark or 0x2000`,
      `add rule ${T} ${svc} meta l4proto tcp dnat to 10.244.3.3:8080`,
      `delete element ${T} hairpin { 10.244.2.2 . 10.244.2.2 }`,
      `add element ${T} hairpin { 10.244.3.3 . 10.244.3.3 }`,
    ]);
    plan.commit();
    expect(s.plan({ full: false, recover: false }).text).toBe('');
  });

  it('an element two services claim goes with its last claimant; the first claimant keeps winning', () => {
    const s = new NftState('ip', 'orch-proxy-abc');
    s.setService('default/a', prog('a', '10.96.0.1', ['10.244.1.1']));
    s.plan({ full: true, recover: true }).commit();
    s.setService('default/b', prog('b', '10.96.0.2', ['10.244.1.1']));
    let plan = s.plan({ full: false, recover: false });
    expect(plan.text).not.toContain('hairpin');
    plan.commit();
    s.setService('default/a', undefined);
    plan = s.plan({ full: false, recover: false });
    expect(plan.text).not.toContain('hairpin');
    expect(plan.text).toContain(`delete element ${T} service-ips { 10.96.0.1 . tcp . 80 }`);
    expect(plan.deleted).toBe(1);
    plan.commit();
    s.setService('default/b', undefined);
    expect(s.plan({ full: false, recover: false }).text).toContain(`delete element ${T} hairpin { 10.244.1.1 . 10.244.1.1 }`);
  });

  it('one external IP and port in two services: the first one wins; when it goes, the map element switches to the other', () => {
    const s = new NftState('ip', 'orch-proxy-abc');
    const ext = (name: string, ip: string) => serviceProgram(node, [port(name, ip, ['10.244.1.1'], { externalIPs: ['192.0.2.10'] })]);
    s.setService('default/a', ext('a', '10.96.0.1'));
    s.setService('default/b', ext('b', '10.96.0.2'));
    const all = s.plan({ full: true, recover: true });
    const svcx = (n: string) => serviceChainNames(port(n, '', [])).ext;
    expect(all.text).toContain(`add element ${T} service-ips { 192.0.2.10 . tcp . 80 : goto ${svcx('a')} }`);
    expect(all.text).not.toContain(`192.0.2.10 . tcp . 80 : goto ${svcx('b')}`);
    all.commit();
    s.setService('default/a', undefined);
    const l = lines(s.plan({ full: false, recover: false }).text);
    const del = l.indexOf(`delete element ${T} service-ips { 192.0.2.10 . tcp . 80 }`);
    const add = l.indexOf(`add element ${T} service-ips { 192.0.2.10 . tcp . 80 : goto ${svcx('b')} }`);
    expect(del).toBeGreaterThanOrEqual(0);
    expect(add).toBeGreaterThan(del);
  });

  it('an element value is read from a program by its exact key (no prefix match)', () => {
    const text = encodeProgram({ chains: new Map(), affinitySets: new Map(), elements: [{ set: 'service-ips', key: '10.96.0.1 . tcp . 8080', value: 'goto svc-x' }, { set: 'service-ips', key: '10.96.0.1 . tcp . 80', value: 'goto svc-y' }, { set: 'hairpin', key: '10.244.1.1 . 10.244.1.1' }] });
    expect(elementValue(text, 'service-ips', '10.96.0.1 . tcp . 80')).toBe('goto svc-y');
    expect(elementValue(text, 'service-ips', '10.96.0.1 . tcp . 8080')).toBe('goto svc-x');
    expect(elementValue(text, 'hairpin', '10.244.1.1 . 10.244.1.1')).toBeUndefined();
    expect(elementValue(text, 'service-ips', '10.96.0.1 . tcp . 8')).toBeUndefined();
  });

  it('a service that goes: its elements leave before its chain is flushed and deleted', () => {
    const s = new NftState('ip', 'orch-proxy-abc');
    s.setService('default/a', prog('a', '10.96.0.1', ['10.244.1.1']));
    s.plan({ full: true, recover: true }).commit();
    s.setService('default/a', undefined);
    const l = lines(s.plan({ full: false, recover: false }).text);
    const { svc } = serviceChainNames(port('a', '', []));
    expect(l.indexOf(`delete element ${T} service-ips { 10.96.0.1 . tcp . 80 }`)).toBeLessThan(l.indexOf(`flush chain ${T} ${svc}`));
    expect(l.at(-1)).toBe(`delete chain ${T} ${svc}`);
  });

  it('a full sync keeps the table and the affinity sets, refills the maps, deletes what is no longer wanted', () => {
    const s = new NftState('ip', 'orch-proxy-abc');
    s.setService('default/a', prog('a', '10.96.0.1', ['10.244.1.1']));
    s.plan({ full: true, recover: true }).commit();
    s.setService('default/a', undefined);
    s.setService('default/b', prog('b', '10.96.0.2', ['10.244.2.2']));
    const text = s.plan({ full: true, recover: false }).text;
    expect(text).not.toContain('delete table');
    expect(text).toContain(`flush map ${T} service-ips`);
    expect(text).toContain(`delete chain ${T} ${serviceChainNames(port('a', '', [])).svc}`);
    expect(text).toContain(`add element ${T} service-ips { 10.96.0.2 . tcp . 80 : goto ${serviceChainNames(port('b', '', [])).svc} }`);
  });
});
