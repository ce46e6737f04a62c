// The nemesis's fault catalog: one entry per fault, each with the same four parts —
//   name, applicable(cluster), targets(cluster), hold (ms range), inject(cluster, target),
//   heal(cluster, target, detail)
// so a new fault is one entry. The nemesis (soak.ts) draws an entry among the applicable
// ones, a target among its targets and a hold time, all from the seed; inject may return
// a detail (e.g. which replica was the leader) that heal gets back.
//
// HA faults: when the harness has an HA mode (issue 24, `cluster.ha`), the entries below
// marked HA apply. They are written against the small HaControls interface: adapt its
// method names to the harness's in one place once that mode is merged.

import type { Cluster, Component } from '../cluster/harness.js';

export interface HaControls {
  /** Indexes of the etcd members (1-based). */
  etcdMembers(): number[];
  killEtcdMember(i: number): Promise<void>;
  startEtcdMember(i: number): Promise<void>;
  cutEtcdMember(i: number): Promise<void>;
  healEtcdMember(i: number): Promise<void>;
  /** Names of the apiservers behind the load balancer. */
  apiservers(): string[];
  killApiserver(name: string): Promise<void>;
  startApiserver(name: string): Promise<void>;
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
  return ha && typeof ha.etcdMembers === 'function' ? (ha as HaControls) : undefined;
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
    name: 'etcd-member-kill',
    applicable: (c) => !!haOf(c),
    targets: (c) => haOf(c)!.etcdMembers().map((i) => `etcd-${i}`),
    hold: [1_000, 15_000],
    inject: (c, t) => haOf(c)!.killEtcdMember(Number(t.split('-')[1])),
    heal: (c, t) => haOf(c)!.startEtcdMember(Number(t.split('-')[1])),
  },
  {
    name: 'etcd-member-partition',
    applicable: (c) => !!haOf(c),
    targets: (c) => haOf(c)!.etcdMembers().map((i) => `etcd-${i}`),
    hold: [5_000, 30_000],
    inject: (c, t) => haOf(c)!.cutEtcdMember(Number(t.split('-')[1])),
    heal: (c, t) => haOf(c)!.healEtcdMember(Number(t.split('-')[1])),
  },
  {
    name: 'apiserver-behind-lb-kill',
    applicable: (c) => !!haOf(c),
    targets: (c) => haOf(c)!.apiservers(),
    hold: [1_000, 10_000],
    inject: (c, t) => haOf(c)!.killApiserver(t),
    heal: (c, t) => haOf(c)!.startApiserver(t),
  },
];

/** The control-plane processes and agents a supervisor (systemd) would restart when they exit. */
export function supervised(cluster: Cluster): Component[] {
  const cp: Component[] = haOf(cluster) ? [] : ['etcd', 'apiserver'];
  cp.push('scheduler', 'controller-manager');
  if (cluster.opts.controlPlaneReplicas === 2) cp.push('scheduler-2', 'controller-manager-2');
  return [...cp, ...cluster.hostIndexes.map((i) => `agent-h${i}` as Component)];
}
