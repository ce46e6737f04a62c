// The pod range of an `orch up` cluster (the controller manager's --cluster-cidr). Docker
// refuses two bridge networks with overlapping subnets, so two local clusters (two
// ORCH_HOMEs, the e2e tests, a compose demo) on one engine cannot both use 10.244.0.0/16:
// the second one's nodes would never get their pod network. Unless --cluster-cidr is
// given, `orch up` takes the first of 10.244.0.0/16 … 10.254.0.0/16 that overlaps none of
// the engine's networks and none of this host's addresses, and keeps it in
// $ORCH_HOME/cluster-cidr: the cluster's own networks must not push it to another range
// when it is started again (the Nodes keep their ranges in etcd).

import fs from 'node:fs';
import os from 'node:os';
import { cidrsOverlap, formatCidr, parseCidr, type Cidr } from '../../api/net/cidr.js';

export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';

/** 10.244.0.0/16 first (what the docs and Kubernetes' examples show), then up to 10.254.0.0/16. */
export const CANDIDATE_RANGES = Array.from({ length: 11 }, (_, i) => `10.${244 + i}.0.0/16`);

function parseAll(cidrs: string[]): Cidr[] {
  return cidrs.map((c) => parseCidr(c)).flatMap((r) => (r.ok ? [r.cidr] : []));
}

/** The first candidate overlapping nothing in `taken`; undefined when every one is taken. */
export function chooseClusterCidr(taken: string[], candidates = CANDIDATE_RANGES): string | undefined {
  const busy = parseAll(taken);
  return candidates.find((c) => {
    const cidr = parseCidr(c);
    return cidr.ok && !busy.some((b) => b.family === cidr.cidr.family && cidrsOverlap(b, cidr.cidr));
  });
}

/** This host's addresses as networks (loopback left out: 127/8 is never a candidate). */
export function hostNetworks(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .flatMap((a) => (a && !a.internal && a.cidr ? [a.cidr] : []))
    .map((c) => {
      const r = parseCidr(c);
      return r.ok ? formatCidr(r.cidr) : c;
    });
}

export interface ClusterCidrChoice {
  cidr: string;
  /** Why it is not the default, for `orch up` to print; undefined when it is the default or was given. */
  note?: string;
}

/**
 * The cluster's pod range: the saved one (a restart), else `given` (saved), else the
 * first free candidate (saved). `taken` lists the subnets in use (Docker networks, host).
 */
export function clusterCidrFor(file: string, given: string | undefined, taken: () => Promise<string[]>): Promise<ClusterCidrChoice> {
  return (async () => {
    const saved = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
    if (saved && given && saved !== given) {
      throw new Error(`--cluster-cidr ${given}: this cluster's pod range is ${saved} (${file}); its nodes keep their ranges, so it cannot change. Start a new cluster (another ORCH_HOME) for another range`);
    }
    if (saved) return { cidr: saved };
    for (const item of given?.split(',') ?? []) {
      const r = parseCidr(item.trim());
      if (!r.ok) throw new Error(`--cluster-cidr: "${item.trim()}" ${r.reason}`);
    }
    let cidr = given;
    let note: string | undefined;
    if (!cidr) {
      const t = await taken();
      cidr = chooseClusterCidr(t);
      if (!cidr) throw new Error(`no free pod range among ${CANDIDATE_RANGES[0]} … ${CANDIDATE_RANGES.at(-1)} (Docker networks and this host's addresses use them all): choose one with --cluster-cidr`);
      if (cidr !== DEFAULT_CLUSTER_CIDR) note = `Pod range ${cidr} (${DEFAULT_CLUSTER_CIDR} overlaps a Docker network or an address of this host; choose another with --cluster-cidr)`;
    }
    fs.writeFileSync(file, `${cidr}\n`, { mode: 0o600 });
    return { cidr, note };
  })();
}
