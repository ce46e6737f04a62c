// `orch agent --cleanup-network` as a user runs it (the built CLI), in a network namespace
// of its own so the host's kernel is left alone, against the shared Docker engine: it
// removes orch's kernel state there, and with --node-name only that node's Docker network
// (an engine may carry other clusters' pod networks, e.g. the compose demo beside `orch up`).
// Root only (as the agent).
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const NS = 'h14-deploy-cleanup';
const nodes = ['h14-deploy-cl-a', 'h14-deploy-cl-b'];
const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });

function cleanup(): void {
  for (const n of nodes) sh(`docker network rm orch-pods-${n} >/dev/null 2>&1 || true`);
  sh(`ip netns del ${NS} 2>/dev/null || true`);
}

function cleanupCommand(args: string[]) {
  const r = spawnSync('nsenter', [`--net=/var/run/netns/${NS}`, process.execPath, path.join(repo, 'dist/cli/main.js'), 'agent', '--cleanup-network', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('orch agent --cleanup-network (CLI)', () => {
  beforeAll(() => {
    cleanup();
    sh(`ip netns add ${NS}`);
    // What an agent leaves in a host: the VXLAN device and orch's chain, jumped to from FORWARD.
    sh(`ip -n ${NS} link add orch.1 type vxlan id 1 dstport 8472 nolearning`);
    sh(`ip netns exec ${NS} sh -c 'iptables -w -N ORCH-FORWARD && iptables -w -A FORWARD -m comment --comment "orch: pod network" -j ORCH-FORWARD'`);
    // A service proxy's table in nftables mode, and a table that is not orch's.
    sh(`ip netns exec ${NS} sh -c 'nft add table ip orch-proxy-0a1b2c && nft add table ip6 orch-proxy-0a1b2c && nft add table ip somebody-else'`);
    nodes.forEach((n, i) => sh(`docker network create --label orch.io/node=${n} --subnet 10.242.${250 + i}.0/24 orch-pods-${n} >/dev/null`));
  });
  afterAll(cleanup);

  it("with --node-name removes that node's Docker network only, and the host's kernel state", () => {
    const r = cleanupCommand(['--node-name', nodes[0]!]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`removed Docker network orch-pods-${nodes[0]}`);
    expect(r.out).toContain('removed device orch.1');
    expect(r.out).not.toContain(nodes[1]);
    expect(sh(`docker network ls -q --filter name=^orch-pods-${nodes[0]}$`).trim()).toBe('');
    expect(sh(`docker network ls -q --filter name=^orch-pods-${nodes[1]}$`).trim()).not.toBe('');
    expect(sh(`ip -n ${NS} link show`)).not.toContain('orch.1');
    expect(sh(`ip netns exec ${NS} iptables -w -S`)).not.toContain('ORCH-');
    expect(r.out).toContain('removed nft table ip orch-proxy-0a1b2c');
    expect(r.out).toContain('removed nft table ip6 orch-proxy-0a1b2c');
    const tables = sh(`ip netns exec ${NS} nft list tables`);
    expect(tables).not.toContain('orch-proxy-');
    expect(tables).toContain('table ip somebody-else');
  });
});
