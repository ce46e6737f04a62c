// The bench's reading of a host's nat table: is an endpoint still routed to?

import { describe, expect, it } from 'vitest';
import { natRoutesTo } from './rollout.js';

const NAT = `*nat
:ORCH-SVC-X - [0:0]
:ORCH-SEP-A - [0:0]
:ORCH-SEP-B - [0:0]
-A ORCH-SERVICES-1 -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j ORCH-SVC-X
-A ORCH-SVC-X -m statistic --mode random --probability 0.5 -j ORCH-SEP-A
-A ORCH-SVC-X -j ORCH-SEP-B
-A ORCH-SEP-A -s 10.244.1.5/32 -j ORCH-MARK-1
-A ORCH-SEP-A -p tcp -m tcp -j DNAT --to-destination 10.244.1.5:8080
-A ORCH-SEP-B -s 10.244.2.7/32 -j ORCH-MARK-1
-A ORCH-SEP-B -p tcp -m tcp -j DNAT --to-destination 10.244.2.7:8080
COMMIT
`;

describe('natRoutesTo', () => {
  it('is true while a service chain jumps to the endpoint\'s DNAT chain', () => {
    expect(natRoutesTo(NAT, '10.244.1.5', 8080)).toBe(true);
    expect(natRoutesTo(NAT, '10.244.2.7', 8080)).toBe(true);
  });

  it('is false once no rule jumps there (a leftover chain does not count), for another port, or for an address that is only a prefix', () => {
    const removed = NAT.split('\n').filter((l) => !l.endsWith('-j ORCH-SEP-A')).join('\n');
    expect(natRoutesTo(removed, '10.244.1.5', 8080)).toBe(false);
    expect(natRoutesTo(removed, '10.244.2.7', 8080)).toBe(true);
    expect(natRoutesTo(NAT, '10.244.1.5', 9090)).toBe(false);
    expect(natRoutesTo(NAT, '10.244.1.50', 8080)).toBe(false);
  });
});
