// What the node's pod network tells the pod sync: whether pods can be given an address
// yet, and on which Docker network. The network component (node-network.ts) owns it;
// the sandbox step of the pod plan reads it. A pod whose network is not ready waits
// (reason NetworkNotReady) instead of starting on the wrong network.

export interface PodNetworkReady {
  ready: true;
  /** The Docker network sandboxes attach to (one per node, carrying the node's pod ranges). */
  dockerNetwork: string;
  /** spec.podCIDRs of the node, IPv4 first. */
  podCIDRs: string[];
  /** MTU inside pods (uplink minus encapsulation). */
  mtu: number;
}

export interface PodNetworkNotReady {
  ready: false;
  /** Why, for the pod's waiting message and the node condition (e.g. "no pod CIDR assigned yet"). */
  reason: string;
}

export type PodNetworkState = PodNetworkReady | PodNetworkNotReady;

export interface PodNetworkView {
  state(): PodNetworkState;
  /** Called whenever state() changes (the agent re-syncs waiting pods). */
  onChange(listener: () => void): void;
  /**
   * A sandbox started on the node's bridge: its bridge port gets hairpin mode soon after,
   * so a pod that reaches its own Service and is balanced to itself gets its packets back
   * through the port they left by (Docker sets hairpin only with --userland-proxy=false).
   */
  sandboxStarted?(): void;
  /**
   * Resolves once the first pass after start has finished, ready or not: a restarted agent
   * posts its Node status after it, so a node whose network comes back within a second
   * never shows a NotReady blip (which would taint it and start evictions).
   */
  settled?(): Promise<void>;
}
