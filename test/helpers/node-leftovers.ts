// What an `orch up` test leaves in the machine's Docker engine when a test fails or its
// cluster is stopped without --purge: containers labelled with its node names (running or
// not: a stopped container still holds its network) and each node's pod network
// orch-pods-<node>. Tests call this last in afterAll, so the next run starts clean.

import { execFileSync } from 'node:child_process';

const docker = (args: string[]): string => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export function removeNodeLeftovers(nodeNames: string[]): void {
  for (const node of nodeNames) {
    const ids = docker(['ps', '-aq', '--filter', `label=orch.io/node=${node}`]).split('\n').filter(Boolean);
    if (ids.length > 0) docker(['rm', '-f', ...ids]);
    const network = `orch-pods-${node}`;
    const present = docker(['network', 'ls', '-q', '--filter', `name=^${network}$`]).trim();
    if (present) docker(['network', 'rm', network]);
  }
}
