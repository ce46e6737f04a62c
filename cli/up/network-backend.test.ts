import { describe, expect, it } from 'vitest';
import { networkBackendFlags } from './prerequisites.js';

describe('orch up: the agents\' pod network backend', () => {
  const all = () => true;

  it('root with every tool: the default backend, nothing said', () => {
    expect(networkBackendFlags({ uid: 0, has: all })).toEqual({ flags: [] });
  });

  it('not root: --network-backend none, and the note says why and what pods get instead', () => {
    const r = networkBackendFlags({ uid: 1000, has: all });
    expect(r.flags).toEqual(['--network-backend', 'none']);
    expect(r.note).toMatch(/^No pod network: orch up is not running as root\. Pods get Docker's default bridge addresses, reachable from this host only/);
  });

  it('missing tools are named with the packages that bring them', () => {
    const r = networkBackendFlags({ uid: 0, has: (t) => t !== 'bridge' && t !== 'iptables-restore' });
    expect(r.flags).toEqual(['--network-backend', 'none']);
    expect(r.note).toContain('bridge, iptables-restore not found on PATH (Debian: apt-get install -y iproute2 iptables procps)');
  });

  it('this machine (root, tools installed as .ci/run does) gets the pod network', () => {
    // The test suites run as root with iproute2 and iptables: anything else is a broken setup.
    expect(networkBackendFlags()).toEqual({ flags: [] });
  });
});
