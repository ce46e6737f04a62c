// The sync loop's reaction to a failing iptables-restore (fake host commands): logged,
// counted, shown by ready(), retried as a full sync with backoff; and the first sync
// after that clears it. Real netfilter: syncer.integration.test.ts.

import { describe, expect, it } from 'vitest';
import type { HostCommands } from '../../foundation/host-commands.js';
import { silentLogger } from '../../foundation/logger.js';
import { processRegistry } from '../../foundation/metrics.js';
import { eventually } from '../../test/helpers/eventually.js';
import { instanceChains } from '../rules/names.js';
import { service, slice } from '../testing/objects.js';
import { StaticSource } from '../testing/static-source.js';
import { ProxyMetrics } from './metrics.js';
import { Syncer } from './syncer.js';

/** Host commands that accept everything and record what ran. */
function recording() {
  const runs: Array<{ cmd: string; args: string[]; input?: string }> = [];
  const commands: HostCommands = {
    run: async (cmd, args, input) => {
      runs.push({ cmd, args, input });
      if (args.includes('-S') && args.at(-1)!.endsWith('-CANARY')) return `-A ${args.at(-1)} -j RETURN\n`;
      return '';
    },
  };
  return { runs, commands };
}

describe('syncer', () => {
  it('an endpoint turning terminating (ready false): its UDP conntrack entries are cleared; a TCP one is only left out of new connections', async () => {
    const { runs, commands } = recording();
    const source = new StaticSource();
    const udp = [{ name: 'dns', port: 53, protocol: 'UDP' as const }];
    const dnsKey = source.put(service('dns', '10.96.0.53', {}, [{ name: 'dns', port: 53, protocol: 'UDP' }]), [slice('dns', [{ ip: '10.244.1.5' }, { ip: '10.244.1.6' }], udp)]);
    const webKey = source.put(service('web', '10.96.0.10'), [slice('web', [{ ip: '10.244.1.7' }])]);
    const syncer = new Syncer({ chains: instanceChains('0c0c0c'), nodeName: 'n1', source, commands, logger: silentLogger(), syncPeriodMs: 60_000, minSyncPeriodMs: 0 });
    await syncer.sync(true);
    runs.length = 0;
    source.put(service('dns', '10.96.0.53', {}, [{ name: 'dns', port: 53, protocol: 'UDP' }]), [slice('dns', [{ ip: '10.244.1.5', ready: false }, { ip: '10.244.1.6' }], udp)]);
    source.put(service('web', '10.96.0.10'), [slice('web', [{ ip: '10.244.1.7', ready: false }])]);
    syncer.serviceChanged(dnsKey);
    syncer.serviceChanged(webKey);
    await syncer.sync(false);
    const conntrack = runs.filter((r) => r.cmd === 'conntrack').map((r) => r.args.join(' '));
    expect(conntrack).toEqual(['-D -f ipv4 -p udp --orig-dst 10.96.0.53 --dst-nat 10.244.1.5']);
    // TCP: no conntrack flush, and the REJECT of "no endpoints" sits in a filter chain the
    // built-in chains jump to for NEW connections only, so established ones keep flowing.
    const restored = runs.filter((r) => r.cmd.endsWith('-restore')).map((r) => r.input).join('\n');
    expect(restored).toContain('web:http has no endpoints');
    expect(restored).not.toMatch(/-D .*10\.244\.1\.7|conntrack/);
  });

  it('idleRevision: the source revision once everything is programmed, nothing while a change waits', async () => {
    const { commands } = recording();
    const source = new StaticSource();
    const key = source.put(service('web', '10.96.0.10'), [slice('web', [{ ip: '10.244.1.5' }])]);
    const reported: string[] = [];
    const syncer = new Syncer({ chains: instanceChains('0d0d0d'), nodeName: 'n1', source, commands, logger: silentLogger(), syncPeriodMs: 60_000, minSyncPeriodMs: 0, onSynced: (i) => reported.push(i.revision) });
    expect(syncer.idleRevision()).toBeUndefined();
    const ac = new AbortController();
    const loop = syncer.run(ac.signal);
    try {
      await eventually('first sync', () => reported.length === 1, 5000);
      expect(syncer.idleRevision()).toBe('1');
      source.rev = 7; // e.g. a bookmark: nothing to program
      expect(syncer.idleRevision()).toBe('7');
      source.put(service('web', '10.96.0.10'), [slice('web', [{ ip: '10.244.1.6' }])]);
      syncer.serviceChanged(key);
      expect(syncer.idleRevision()).toBeUndefined();
      await eventually('synced the change', () => reported.length === 2, 5000);
      expect(reported[1]).toBe('8');
      expect(syncer.idleRevision()).toBe('8');
    } finally {
      ac.abort();
      await loop;
    }
  });

  it('iptables-restore failing: not ready with the reason, counted, retried as full syncs until it works', async () => {
    let failing = true;
    const restores: string[] = [];
    const commands: HostCommands = {
      run: async (cmd, args, input) => {
        if (cmd.endsWith('-restore')) {
          restores.push(input!);
          if (failing) throw new Error('iptables-restore: line 3 failed');
        }
        if (args.includes('-S') && args.at(-1)!.endsWith('-CANARY')) return `-A ${args.at(-1)} -j RETURN\n`;
        return '';
      },
    };
    const registry = processRegistry({ defaultMetrics: false });
    const metrics = new ProxyMetrics(registry);
    const source = new StaticSource();
    source.put(service('web', '10.96.0.10'), [slice('web', [{ ip: '10.244.1.5' }])]);
    const syncer = new Syncer({ chains: instanceChains('0b0b0b'), nodeName: 'n1', source, commands, logger: silentLogger(), metrics, syncPeriodMs: 60_000, minSyncPeriodMs: 0 });
    expect(syncer.ready()).toBe('no iptables sync yet');
    const ac = new AbortController();
    const loop = syncer.run(ac.signal);
    try {
      await eventually('two failed attempts', () => restores.length >= 2, 5000);
      expect(syncer.ready()).toBe('iptables sync failing: iptables-restore: line 3 failed');
      expect((await registry.getSingleMetric('orch_proxy_sync_failures_total')!.get()).values[0]!.value).toBeGreaterThanOrEqual(2);
      // Every retry is a full sync: the service's chains are written again each time.
      expect(restores.every((t) => t.includes(':ORCH-MARK-0b0b0b - [0:0]'))).toBe(true);
      failing = false;
      await eventually('ready again', () => syncer.ready() === undefined, 5000);
    } finally {
      ac.abort();
      await loop;
    }
  });
});
