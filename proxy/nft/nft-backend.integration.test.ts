// --proxy-mode nftables in a real (namespaced) netfilter with real traffic: the lab and
// the scenarios of ../testing/traffic-scenarios.ts through the nftables table, then what
// only this mode has: an iptables ACCEPT (Docker's DOCKER-USER) does not get a connection
// past our REJECT, an endpoint shared by two services, a table deleted by hand comes back,
// and switching modes removes the other mode's rules. Root (network namespaces, nft).

import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../foundation/logger.js';
import { eventually } from '../../test/helpers/eventually.js';
import { instanceChains } from '../rules/names.js';
import { removeOtherMode } from '../sync/mode-switch.js';
import { IptablesBackend } from '../sync/iptables-backend.js';
import { Syncer } from '../sync/syncer.js';
import { NetnsLab } from '../testing/netns-lab.js';
import { service, slice } from '../testing/objects.js';
import { StaticSource } from '../testing/static-source.js';
import { CLIENT_IP, serviceTrafficScenarios } from '../testing/traffic-scenarios.js';
import { NftBackend, nftTableName } from './nft-backend.js';

const lab = new NetnsLab('h15nft');
const ID = '00bb22';
const TABLE = nftTableName(ID);
const source = new StaticSource();
const table = () => lab.exec(lab.node, `nft list table ip ${TABLE}`);

describe('service rules with real traffic, nftables mode (network namespaces)', () => {
  const rig = serviceTrafficScenarios({
    lab,
    source,
    makeSyncer: () => new Syncer({ backend: new NftBackend(ID, lab.commands), nodeName: 'n1', source, commands: lab.commands, logger: silentLogger(), syncPeriodMs: 60_000, minSyncPeriodMs: 0, canaryPeriodMs: 200 }),
  });
  const syncer = () => rig.syncer();
  const client = () => rig.client();

  it('what is not ready is not in the table', () => {
    expect(table()).toContain('10.244.1.11');
    expect(table()).not.toContain('10.244.1.14');
  });

  it("a service without endpoints refuses at once even behind an iptables ACCEPT (Docker's DOCKER-USER)", async () => {
    lab.exec(lab.node, 'sh -c "iptables -N DOCKER-USER 2>/dev/null; iptables -I FORWARD 1 -j DOCKER-USER; iptables -A DOCKER-USER -s 10.244.0.0/16 -j ACCEPT"');
    source.put(service('empty2', '10.96.0.14'), [slice('empty2', [])]);
    syncer().serviceChanged('default/empty2');
    await syncer().sync(false);
    expect(lab.get(client(), '10.96.0.14', 80, 20)).toMatch(/curl: \(7\) Failed to connect .* after \d+ ms: Couldn't connect to server/);
  });

  it('a deleted service leaves nothing behind; an endpoint shared with another service stays', async () => {
    source.remove('default/sticky');
    syncer().serviceChanged('default/sticky');
    const r = await syncer().sync(false);
    expect(r).toMatchObject({ mode: 'partial', deleted: 1, written: 0 });
    expect(table()).not.toContain('10.96.0.13');
    expect(table()).not.toContain('aff-');
    expect(lab.get(client(), '10.96.0.13', 80, 2)).toMatch(/^error: curl: \((7|28)\)/);
    // B1 backed "sticky" and still backs "web" and "self": its hairpin element stays.
    expect(lab.get(lab.podNs('b1'), '10.96.0.11', 80)).toBe('b1 10.244.1.1');
  });

  it('an IPv6 service gets a table of its own family, which nft accepts (DNAT to [address]:port, ip6 sets)', async () => {
    source.put(service('v6', 'fd00:96::10', {}, [{ name: 'http', port: 80, protocol: 'TCP' }]), [slice('v6', [{ ip: 'fd00:244::11', node: 'n1' }, { ip: 'fd00:244::12', node: 'n2' }])]);
    syncer().serviceChanged('default/v6');
    await syncer().sync(false);
    const v6 = lab.exec(lab.node, `nft list table ip6 ${TABLE}`);
    expect(v6).toContain('fd00:96::10 . tcp . 80 : goto svc-');
    expect(v6).toContain('dnat to [fd00:244::11]:8080');
    expect(v6).toContain('fd00:244::12 . fd00:244::12');
    expect(table()).not.toContain('fd00:96::10');
    source.remove('default/v6');
    syncer().serviceChanged('default/v6');
    await syncer().sync(false);
    expect(lab.exec(lab.node, `nft list table ip6 ${TABLE}`)).not.toContain('fd00:96::10');
  });

  it('a table deleted by hand comes back at once (canary)', async () => {
    const ac = new AbortController();
    const loop = syncer().run(ac.signal);
    try {
      lab.exec(lab.node, `nft delete table ip ${TABLE}`);
      await eventually('traffic through the ClusterIP again', () => /^b[123] /.test(lab.get(client(), '10.96.0.10', 80, 1)), 10_000);
      expect(lab.get(client(), '10.96.0.12', 80)).toBe(`b2 ${CLIENT_IP}`);
    } finally {
      ac.abort();
      await loop;
    }
  });

  it("switching modes removes the other mode's rules of this instance, and only those", async () => {
    const chains = instanceChains(ID);
    const ipt = new Syncer({ backend: new IptablesBackend(chains, lab.commands), nodeName: 'n1', source, commands: lab.commands, logger: silentLogger(), syncPeriodMs: 60_000, minSyncPeriodMs: 0 });
    await ipt.sync(true);
    expect(lab.exec(lab.node, 'iptables-save -t nat')).toContain(`ORCH-SERVICES-${ID}`);
    await removeOtherMode('nftables', lab.commands, ID, silentLogger());
    expect(lab.exec(lab.node, 'iptables-save -t nat')).not.toContain(`ORCH-`);
    expect(lab.exec(lab.node, 'iptables-save -t filter')).not.toContain(`ORCH-`);
    expect(lab.exec(lab.node, 'iptables -S DOCKER-USER')).toContain('-s 10.244.0.0/16 -j ACCEPT');
    expect(lab.get(client(), '10.96.0.10', 80)).toMatch(/^b[123] /); // still served by the table
    await removeOtherMode('iptables', lab.commands, ID, silentLogger());
    expect(lab.exec(lab.node, 'nft list tables')).not.toContain(TABLE);
  });
});
