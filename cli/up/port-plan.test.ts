// orch up's own port plan: two components never get one port (each would be free when
// checked, and the second to start would fail), and the randomly picked /healthz ports
// avoid the ports planned for components that start later.

import { describe, expect, it } from 'vitest';
import { haPortList, haPorts } from './ha-components.js';
import { ephemeralPort, portOverlaps } from './prerequisites.js';

describe('the port plan of orch up', () => {
  it('names both components when --agent-port falls inside the etcd members\' range', () => {
    const plan = [...haPortList(haPorts(26000, 27000)), { port: 27002, what: 'log endpoint of agent n1' }];
    expect(portOverlaps(plan)).toEqual([
      'port 27002 would serve both the etcd member 2 client and the log endpoint of agent n1: choose --api-port, --etcd-port and --agent-port so that their ranges do not overlap (see orch up --help)',
    ]);
    expect(portOverlaps(haPortList(haPorts(26000, 27000)))).toEqual([]);
  });

  it('a picked port is never one already planned, nor picked twice', async () => {
    const planned = new Set<number>();
    for (let p = 20_000; p < 32_000; p += 2) planned.add(p); // every even port of the range
    const picked = [];
    for (let i = 0; i < 20; i++) picked.push(await ephemeralPort(planned));
    // Random odd ports of the range, or the kernel's choice after 20 misses: never a planned one.
    expect(picked.filter((p) => p < 32_000 && p % 2 === 0)).toEqual([]);
    expect(new Set(picked).size).toBe(picked.length);
  });
});
