import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatResolvConf, parseResolvConf } from '../api/net/resolv-conf.js';
import type { Pod } from '../api/types.js';
import { silentLogger } from '../foundation/logger.js';
import { PodDns, podResolvConf } from './pod-dns.js';

const host = parseResolvConf('# host\nnameserver 192.168.1.1\nnameserver 127.0.0.53\nsearch corp.example lab.example\noptions edns0 timeout:2\n');
const input = { clusterDomain: 'cluster.local', clusterDns: ['10.244.1.1'], host };

function pod(spec: Partial<Pod['spec']> = {}, ns = 'team-a'): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name: 'p', uid: 'u1' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } };
}

const text = (p: Pod, i = input) => {
  const { conf } = podResolvConf(p, i);
  return conf ? formatResolvConf(conf) : undefined;
};

describe('pod resolv.conf (kubelet semantics)', () => {
  it('ClusterFirst (the default): cluster DNS, the namespace search list then the host search, ndots:5', () => {
    expect(text(pod())).toBe('search team-a.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\nnameserver 10.244.1.1\noptions ndots:5\n');
    expect(text(pod({ dnsPolicy: 'ClusterFirst' }, 'x'), { ...input, clusterDomain: 'corp.internal' })).toContain('search x.svc.corp.internal svc.corp.internal corp.internal ');
  });

  it('Default: the host file without its loopback resolver (unreachable from a pod); with dnsConfig merged; Docker\'s default when no resolver is left', () => {
    expect(text(pod({ dnsPolicy: 'Default' }))).toBe('search corp.example lab.example\nnameserver 192.168.1.1\noptions edns0 timeout:2\n');
    expect(podResolvConf(pod({ dnsPolicy: 'Default' }), { ...input, host: parseResolvConf('nameserver 127.0.0.53\n') })).toEqual({ conf: undefined, fellBack: false });
    expect(text(pod({ dnsPolicy: 'Default', dnsConfig: { nameservers: ['1.1.1.1'], options: [{ name: 'timeout', value: '1' }] } }))).toBe(
      'search corp.example lab.example\nnameserver 192.168.1.1\nnameserver 1.1.1.1\noptions edns0 timeout:1\n',
    );
  });

  it('None: only dnsConfig', () => {
    expect(text(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['9.9.9.9'], searches: ['a.example'], options: [{ name: 'ndots', value: '1' }] } }))).toBe('search a.example\nnameserver 9.9.9.9\noptions ndots:1\n');
  });

  it('dnsConfig merged into ClusterFirst: duplicates dropped, options by name (the pod wins), 3 nameservers at most', () => {
    const p = pod({ dnsConfig: { nameservers: ['10.244.1.1', '8.8.8.8', '8.8.4.4', '1.1.1.1'], searches: ['svc.cluster.local', 'extra.example'], options: [{ name: 'ndots', value: '2' }, { name: 'single-request' }] } });
    expect(podResolvConf(p, input).conf).toEqual({
      nameservers: ['10.244.1.1', '8.8.8.8', '8.8.4.4'],
      searches: ['team-a.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example', 'extra.example'],
      options: [{ name: 'ndots', value: '2' }, { name: 'single-request' }],
    });
  });

  it('search list cut at 32 domains', () => {
    const p = pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: Array.from({ length: 40 }, (_, i) => `s${i}.example`) } });
    expect(podResolvConf(p, input).conf!.searches).toHaveLength(32);
  });

  it('hostNetwork: ClusterFirst behaves as Default, ClusterFirstWithHostNet gets the cluster DNS', () => {
    expect(podResolvConf(pod({ hostNetwork: true }), input).conf).toBeUndefined();
    expect(podResolvConf(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), input).conf?.nameservers).toEqual(['10.244.1.1']);
  });

  it('no cluster DNS known: ClusterFirst falls back to Default, and says so', () => {
    expect(podResolvConf(pod(), { ...input, clusterDns: [] })).toEqual({ conf: podResolvConf(pod({ dnsPolicy: 'Default' }), input).conf, fellBack: true });
  });
});

describe('PodDns (writes the file)', () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'orch-pod-dns-'));

  it('writes <podDir>/resolv.conf and returns its read-only mount; nameserver = the pod gateway unless --cluster-dns', async () => {
    const dir = tmp();
    const resolv = path.join(dir, 'host-resolv.conf');
    fs.writeFileSync(resolv, 'nameserver 192.168.1.1\nsearch corp.example\n');
    const dns = new PodDns({ resolvConfPath: resolv, logger: silentLogger() });
    const net = { ready: true as const, dockerNetwork: 'orch-pods-n1', podCIDRs: ['10.244.3.0/24', 'fd00:10:244:3::/64'], mtu: 1450 };
    const bind = await dns.prepare(pod(), net, path.join(dir, 'pods', 'u1'));
    expect(bind).toBe(`${path.join(dir, 'pods', 'u1', 'resolv.conf')}:/etc/resolv.conf:ro`);
    expect(fs.readFileSync(path.join(dir, 'pods', 'u1', 'resolv.conf'), 'utf8')).toBe('search team-a.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.244.3.1\noptions ndots:5\n');
    const fixed = new PodDns({ resolvConfPath: resolv, clusterDns: ['10.96.0.10'], clusterDomain: 'k.test', logger: silentLogger() });
    await fixed.prepare(pod(), undefined, path.join(dir, 'pods', 'u2'));
    expect(fs.readFileSync(path.join(dir, 'pods', 'u2', 'resolv.conf'), 'utf8')).toContain('nameserver 10.96.0.10\n');
    // No pod network, no --cluster-dns: ClusterFirst as Default (the host's file).
    await dns.prepare(pod(), undefined, path.join(dir, 'pods', 'u3'));
    expect(fs.readFileSync(path.join(dir, 'pods', 'u3', 'resolv.conf'), 'utf8')).toBe('search corp.example\nnameserver 192.168.1.1\n');
    expect(await dns.prepare(pod({ hostNetwork: true }), undefined, path.join(dir, 'pods', 'u4'))).toBeUndefined();
    expect(fs.existsSync(path.join(dir, 'pods', 'u4'))).toBe(false);
  });
});
