// `orch controller-manager` (the built binary) refuses a bad pod address plan at start:
// exit 1, before connecting anywhere, with the flag and the reason.

import { beforeAll, describe, expect, it } from 'vitest';
import { formatCidr, mustParseCidr } from '../../api/net/cidr.js';
import { assertBuilt, runOrch } from '../../test/helpers/orch-cli.js';
import { hostNetworks } from './host-networks.js';

const cm = (...flags: string[]) => runOrch(['controller-manager', '--server', 'http://127.0.0.1:1', ...flags], { timeoutMs: 30_000 });

describe('orch controller-manager pod network flags', () => {
  beforeAll(() => assertBuilt());

  it("refuses a cluster CIDR that overlaps this host's own network, naming the interface", async () => {
    const own = hostNetworks().find((h) => !h.cidr.includes(':'));
    expect(own, 'this machine has a non-loopback IPv4 interface').toBeDefined();
    const network = formatCidr(mustParseCidr(own!.cidr));
    const r = await cm('--cluster-cidr', network);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: --cluster-cidr: ${network} overlaps this host's network ${own!.cidr} (interface ${own!.name})`);
  });

  it.each([
    [['--cluster-cidr', '10.96.0.0/16'], '--cluster-cidr: 10.96.0.0/16 overlaps --service-cluster-ip-range 10.96.0.0/12'],
    [['--node-cidr-mask-size', '8'], '--node-cidr-mask-size: /8 blocks do not fit in --cluster-cidr 10.244.0.0/16'],
    [['--node-cidr-mask-size', 'big'], '--node-cidr-mask-size: "big" is not a prefix length'],
    [['--cluster-cidr', '10.244.0.0/16,fd00:10:244::/56', '--node-cidr-mask-size', '24'], '--node-cidr-mask-size: with a dual-stack --cluster-cidr use'],
    [['--cluster-cidr', '10.244.1.0/16'], '--cluster-cidr: "10.244.1.0/16" has host bits set; did you mean 10.244.0.0/16?'],
    [['--allocate-node-cidrs=maybe'], "'--allocate-node-cidrs [bool]' argument 'maybe' is invalid"],
  ])('refuses %j', async (flags, message) => {
    const r = await cm(...flags);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
  });

  it('documents the flags in --help', async () => {
    const r = await runOrch(['controller-manager', '--help']);
    for (const f of ['--allocate-node-cidrs', '--cluster-cidr', '--node-cidr-mask-size ', '--node-cidr-mask-size-ipv4', '--node-cidr-mask-size-ipv6', '--service-cluster-ip-range']) expect(r.stdout).toContain(f);
  });
});
