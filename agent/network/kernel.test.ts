// Kernel.apply's two ways (peer-routes.ts): listing orch's entries, or — the light pass —
// trusting the last listing plus what was written since; on fakes (the real kernel is in
// kernel.integration.test.ts).
import { describe, expect, it } from 'vitest';
import { Kernel } from './kernel.js';
import { planRoutes, type NetworkPeer } from './route-plan.js';

function fakeHost() {
  const host = {
    calls: [] as string[],
    failBatch: false,
    async run(cmd: string, args: string[]) {
      const line = [cmd, ...args].join(' ');
      host.calls.push(line);
      if (line.includes('-batch') && host.failBatch) throw new Error(`${line}: RTNETLINK answers: No such device`);
      if (line.startsWith('ip -j -d link show')) return JSON.stringify([{ ifname: 'orch.1' }]);
      return line.startsWith('ip -j') || line.startsWith('bridge -j') ? '[]' : '';
    },
  };
  return host;
}

const self = { name: 'h1', nodeIP: '10.250.0.11', backend: 'vxlan' as const, uplink: 'eth0' };
const h2: NetworkPeer = { name: 'h2', podCIDRs: ['10.244.2.0/24'], nodeIP: '10.250.0.12', vtepMac: '0e:00:00:00:00:02' };
const h3: NetworkPeer = { name: 'h3', podCIDRs: ['10.244.3.0/24'], nodeIP: '10.250.0.13', vtepMac: '0e:00:00:00:00:03' };
const listings = (calls: string[]) => calls.filter((c) => c.startsWith('ip -j') || c.startsWith('bridge -j')).length;

describe('Kernel.apply', () => {
  it('from the last listing: writes only the difference to what it wrote before, without listing again', async () => {
    const host = fakeHost();
    const k = new Kernel(host);
    await k.apply(planRoutes(self, [h2]));
    expect(listings(host.calls)).toBe(5);
    host.calls.length = 0;
    const d = await k.apply(planRoutes(self, [h2, h3]), undefined, true);
    expect(listings(host.calls)).toBe(0);
    expect(d.addRoutes.map((r) => r.dst)).toEqual(['10.244.3.0/24']);
    expect(d.delRoutes).toEqual([]);
    expect(host.calls).toEqual(['bridge -force -batch -', 'ip -force -batch -']);
    host.calls.length = 0;
    const gone = await k.apply(planRoutes(self, [h3]), undefined, true);
    expect(gone.delRoutes.map((r) => r.dst)).toEqual(['10.244.2.0/24']);
    expect(gone.addRoutes).toEqual([]);
  });

  it('lists again after a failed write, and always without fromLastRead', async () => {
    const host = fakeHost();
    const k = new Kernel(host);
    await k.apply(planRoutes(self, [h2]));
    host.failBatch = true;
    await expect(k.apply(planRoutes(self, [h2, h3]), undefined, true)).rejects.toThrow(/No such device/);
    host.failBatch = false;
    host.calls.length = 0;
    await k.apply(planRoutes(self, [h2, h3]), undefined, true);
    expect(listings(host.calls)).toBe(5);
    host.calls.length = 0;
    await k.apply(planRoutes(self, [h2, h3]));
    expect(listings(host.calls)).toBe(5);
  });
});
