// The proxy's rules in a real (namespaced) netfilter with real traffic, iptables mode: a
// "node" namespace with a bridge and pods in namespaces of their own (busybox httpd, a UDP
// echo; curl as the client), an outside host on a second link. The syncer programs the
// node from Services and EndpointSlices; clients connect through ClusterIPs and NodePorts
// (../testing/traffic-scenarios.ts: the scenarios both modes pass), then what only the
// iptables mode has: chain counts, the canary chains, the jumps.

import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../foundation/logger.js';
import { eventually } from '../../test/helpers/eventually.js';
import { instanceChains } from '../rules/names.js';
import { NetnsLab } from '../testing/netns-lab.js';
import { service, slice } from '../testing/objects.js';
import { StaticSource } from '../testing/static-source.js';
import { serviceTrafficScenarios } from '../testing/traffic-scenarios.js';
import { Syncer } from './syncer.js';

const lab = new NetnsLab('h15proxy');
const chains = instanceChains('00aa11');
const source = new StaticSource();

describe('service rules with real traffic (network namespaces)', () => {
  const rig = serviceTrafficScenarios({
    lab,
    source,
    makeSyncer: () => new Syncer({ chains, nodeName: 'n1', source, commands: lab.commands, logger: silentLogger(), syncPeriodMs: 60_000, minSyncPeriodMs: 0, canaryPeriodMs: 200 }),
  });
  const syncer = () => rig.syncer();
  const client = () => rig.client();

  it('a deleted service leaves no chain behind; one change rewrites only its own chains', async () => {
    source.remove('default/sticky');
    syncer().serviceChanged('default/sticky');
    const r = await syncer().sync(false);
    expect(r.mode).toBe('partial');
    expect(lab.exec(lab.node, 'iptables-save -t nat')).not.toContain('default/sticky');
    expect(lab.get(client(), '10.96.0.13', 80, 2)).toMatch(/^error: curl: \((7|28)\)/);
    // Its service chain and 3 endpoint chains deleted; its bucket (10.96.0.0/24, shared) rewritten.
    expect(r).toMatchObject({ deleted: 4, written: 1 });
  });

  it('the first IPv6 service, in a partial sync, gets its chains and the ip6tables jumps at once', async () => {
    source.put(service('v6', 'fd00:96::10', {}, [{ name: 'http', port: 80, protocol: 'TCP' }]), [slice('v6', [{ ip: 'fd00:244::11', node: 'n1' }])]);
    syncer().serviceChanged('default/v6');
    const r = await syncer().sync(false);
    expect(r.mode).toBe('partial');
    expect(lab.exec(lab.node, 'ip6tables -t nat -S PREROUTING')).toContain(`-j ${chains.services}`);
    expect(lab.exec(lab.node, 'ip6tables-save -t nat')).toContain('-d fd00:96::10/128');
    source.remove('default/v6');
    syncer().serviceChanged('default/v6');
    await syncer().sync(false);
  });

  it('rules flushed by hand come back at once (canary), and so do the jumps', async () => {
    const ac = new AbortController();
    const loop = syncer().run(ac.signal);
    try {
      lab.exec(lab.node, 'sh -c "iptables -t nat -F && iptables -F"');
      expect(lab.get(client(), '10.96.0.10', 80, 1)).toMatch(/error/);
      await eventually('traffic through the ClusterIP again', () => /^b[123] /.test(lab.get(client(), '10.96.0.10', 80, 1)), 10_000);
      await syncer().sync(true);
      // One copy of each jump however many full syncs ran.
      expect(lab.exec(lab.node, 'iptables -t nat -S PREROUTING').match(/ORCH-SERVICES-00aa11/g)).toHaveLength(1);
      expect(lab.exec(lab.node, 'iptables -t nat -S POSTROUTING').match(/ORCH-MARK-00aa11-POST/g)).toHaveLength(1);
      for (const ch of ['INPUT', 'FORWARD', 'OUTPUT']) expect(lab.exec(lab.node, `iptables -S ${ch}`).match(/-j ORCH-SERVICES-00aa11/g)).toHaveLength(1);
      // What a Docker restart does: its DOCKER-USER jump inserted first again, where the
      // pod network accepts pod traffic — the next full sync puts ours back on top.
      lab.exec(lab.node, 'sh -c "iptables -N DOCKER-USER 2>/dev/null; iptables -I FORWARD 1 -j DOCKER-USER"');
      expect(lab.exec(lab.node, 'iptables -S FORWARD').split('\n')[1]).toContain('-j DOCKER-USER');
      await syncer().sync(true);
      const forward = lab.exec(lab.node, 'iptables -S FORWARD').split('\n');
      expect(forward[1]).toContain('-j ORCH-SERVICES-00aa11');
      expect(forward.filter((l) => l.includes('ORCH-SERVICES-00aa11'))).toHaveLength(1);
      expect(forward.filter((l) => l.includes('-j DOCKER-USER'))).toHaveLength(1);
      // And inside DOCKER-USER, before whatever accepts pod traffic there (the pod network's jump).
      expect(lab.exec(lab.node, 'iptables -S DOCKER-USER').split('\n')[1]).toContain('-j ORCH-SERVICES-00aa11');
    } finally {
      ac.abort();
      await loop;
    }
  });
});
