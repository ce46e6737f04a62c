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

describe('syncer', () => {
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
