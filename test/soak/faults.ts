// The nemesis's fault catalog: one entry per fault, each with the same four parts —
//   name, applicable(cluster), targets(cluster), hold (ms range), inject(cluster, target),
//   heal(cluster, target, detail)
// so a new fault is one entry. The nemesis (soak.ts) draws an entry among the applicable
// ones, a target among its targets and a hold time, all from the seed; inject may return
// a detail (e.g. which replica was the leader) that heal gets back.
//
// HA faults: when the harness runs its HA mode (issue 24, `startCluster({ ha: true })`:
// three etcd members `etcd-1..3`, `apiserver` and `apiserver-2` behind `haproxy`), the
// entries marked HA apply instead of etcd-kill and apiserver-kill. They use the harness's
// `cluster.ha` through the small HaControls interface below (duck-typed, so this file
// also compiles against a harness without the HA mode).

import type { Cluster, Component } from '../cluster/harness.js';

/** What the soak needs of the harness's HA control plane (test/cluster/ha-control-plane.ts). */
export interface HaControls {
  /** The etcd members' indexes (components `etcd-<m>`). */
  members: number[];
  /** The member that leads now, if any answers. */
  leader(): Promise<number | undefined>;
  /** Cut member m off the network, and back. */
  partition(m: number): Promise<void>;
  heal(m: number): Promise<void>;
}

export interface FaultEntry {
  name: string;
  applicable(cluster: Cluster): boolean;
  targets(cluster: Cluster): string[];
  /** How long the fault stays injected, [min, max] ms (drawn from the seed). */
  hold: [number, number];
  inject(cluster: Cluster, target: string): Promise<string | void>;
  heal(cluster: Cluster, target: string, detail: string | void): Promise<void>;
}

const hostTargets = (c: Cluster) => c.hostIndexes.map((i) => `h${i}`);
const hostIndex = (target: string) => Number(target.slice(1));
const LEASES: Record<string, string> = { scheduler: 'orch-scheduler', 'controller-manager': 'orch-controller-manager' };

export function haOf(cluster: Cluster): HaControls | undefined {
  const ha = (cluster as unknown as { ha?: Partial<HaControls> }).ha;
  return ha && Array.isArray(ha.members) && typeof ha.partition === 'function' ? (ha as HaControls) : undefined;
}

/** The replica holding the leader Lease of a component, or the first replica when none can be read. */
async function leaderOf(cluster: Cluster, component: string): Promise<Component> {
  try {
    const lease = await cluster.client.leases.get(LEASES[component]!, 'kube-system');
    const id = lease.spec?.holderIdentity;
    if (id && cluster.pid(id as Component)) return id as Component;
  } catch {
    /* no lease yet */
  }
  return (cluster.pid(component as Component) ? component : `${component}-2`) as Component;
}

export const FAULTS: FaultEntry[] = [
  {
    name: 'agent-kill',
    applicable: () => true,
    targets: hostTargets,
    hold: [2_000, 15_000],
    inject: (c, t) => c.killAgent(hostIndex(t), 'SIGKILL'),
    heal: (c, t) => c.startAgent(hostIndex(t)),
  },
  {
    name: 'docker-stop',
    applicable: () => true,
    targets: hostTargets,
    hold: [3_000, 15_000],
    inject: (c, t) => c.stopDocker(hostIndex(t)),
    heal: (c, t) => c.startDocker(hostIndex(t)),
  },
  {
    // Longer than grace + eviction (15 s) in part of the draws: pods are evicted and
    // replaced elsewhere, and the healed host must stop the stale ones.
    name: 'network-cut',
    applicable: () => true,
    targets: hostTargets,
    hold: [5_000, 30_000],
    inject: (c, t) => c.cutNetwork(hostIndex(t)),
    heal: (c, t) => c.healNetwork(hostIndex(t)),
  },
  {
    name: 'apiserver-kill',
    applicable: (c) => !haOf(c),
    targets: () => ['apiserver'],
    hold: [1_000, 10_000],
    inject: (c) => c.kill('apiserver', 'SIGKILL'),
    heal: (c) => c.start('apiserver'),
  },
  {
    // The replica that holds the Lease is SIGKILLed; the standby must take over. Heal
    // starts the killed one again (it comes back as the standby).
    name: 'leader-kill',
    applicable: (c) => c.opts.controlPlaneReplicas === 2,
    targets: () => ['scheduler', 'controller-manager'],
    hold: [1_000, 5_000],
    inject: async (c, t) => {
      const leader = await leaderOf(c, t);
      await c.kill(leader, 'SIGKILL');
      return leader;
    },
    heal: async (c, _t, leader) => {
      if (leader && !c.pid(leader as Component)) await c.start(leader as Component);
    },
  },
  {
    // SIGKILL, not a clean stop: etcd must not lose what it acknowledged (fsync'd).
    name: 'etcd-kill',
    applicable: (c) => !haOf(c),
    targets: () => ['etcd'],
    hold: [1_000, 8_000],
    inject: (c) => c.kill('etcd', 'SIGKILL'),
    heal: (c) => c.start('etcd'),
  },
  // --- HA mode (applies when the harness exposes cluster.ha) ---
  {
    // SIGKILL of one member, or of whichever member leads at that moment (an election
    // in the middle of the workload's writes).
    name: 'etcd-member-kill',
    applicable: (c) => !!haOf(c),
    targets: (c) => ['leader', ...haOf(c)!.members.map(String)],
    hold: [1_000, 15_000],
    inject: async (c, t) => {
      const m = t === 'leader' ? ((await haOf(c)!.leader()) ?? haOf(c)!.members[0]!) : Number(t);
      await c.kill(`etcd-${m}` as Component, 'SIGKILL');
      return `etcd-${m}`;
    },
    heal: async (c, _t, member) => {
      if (member && !c.pid(member as Component)) await c.start(member as Component);
    },
  },
  {
    name: 'etcd-member-partition',
    applicable: (c) => !!haOf(c),
    targets: (c) => haOf(c)!.members.map(String),
    hold: [5_000, 30_000],
    inject: (c, t) => haOf(c)!.partition(Number(t)),
    heal: (c, t) => haOf(c)!.heal(Number(t)),
  },
  {
    // One apiserver dies behind the load balancer: clients go on through the other.
    name: 'apiserver-behind-lb-kill',
    applicable: (c) => !!haOf(c),
    targets: () => ['apiserver', 'apiserver-2'],
    hold: [1_000, 10_000],
    inject: (c, t) => c.kill(t as Component, 'SIGKILL'),
    heal: (c, t) => c.start(t as Component),
  },
  {
    name: 'load-balancer-kill',
    applicable: (c) => !!haOf(c),
    targets: () => ['haproxy'],
    hold: [1_000, 5_000],
    inject: (c, t) => c.kill(t as Component, 'SIGKILL'),
    heal: (c, t) => c.start(t as Component),
  },
];

/** The control-plane processes and agents a supervisor (systemd) would restart when they exit. */
export function supervised(cluster: Cluster): Component[] {
  const ha = haOf(cluster);
  const cp = (ha ? [...ha.members.map((m) => `etcd-${m}`), 'apiserver', 'apiserver-2', 'haproxy'] : ['etcd', 'apiserver']) as Component[];
  cp.push('scheduler', 'controller-manager');
  if (cluster.opts.controlPlaneReplicas === 2) cp.push('scheduler-2', 'controller-manager-2');
  return [...cp, ...cluster.hostIndexes.map((i) => `agent-h${i}` as Component)];
}
