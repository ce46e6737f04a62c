// The priority levels of the apiserver's flow control, after Kubernetes' API Priority and
// Fairness defaults (system, node-high, leader-election, workload-high, workload-low and
// the exempt level for system:masters). Each non-exempt level gets a share of the
// server's seats (--max-requests-inflight) in proportion to its concurrency shares, like
// APF's nominalConcurrencyShares; nothing is borrowed between levels, so a level's flood
// never takes another level's seats.
//
// Within a level, requests are grouped into flows (one per user, APF's "ByUser"
// distinguisher). Unlike APF, which shuffle-shards flows onto a fixed set of queues and
// relies on short requests for fairness, every flow here has its own queue and may hold
// at most `flowSeatFraction` of its level's seats at once: a client whose requests take
// long (a body trickling in) then blocks only itself, even before any seat is freed.
// orch's identities are few and known (one per node, the scheduler, the controller
// manager, admins), so a queue per flow stays small.

export interface PriorityLevelConfig {
  name: string;
  /** Share of --max-requests-inflight, relative to the other levels' shares. */
  shares: number;
  /** Largest part of the level's seats one flow may hold at once (at least one seat). */
  flowSeatFraction: number;
  /** Requests of one flow that may wait for a seat; more are rejected at once (429). */
  queueLength: number;
}

export const EXEMPT_LEVEL = 'exempt';

export const DEFAULT_LEVELS: readonly PriorityLevelConfig[] = [
  // Agents' heartbeats: their Node (and its status) and their Lease. Small per-node
  // slices: an agent needs one or two at a time, and one node must not crowd the others.
  { name: 'node-high', shares: 40, flowSeatFraction: 0.1, queueLength: 50 },
  // Everything else agents do (pod status, events, reads).
  { name: 'system', shares: 30, flowSeatFraction: 0.1, queueLength: 50 },
  // Leases of the scheduler and the controller manager: losing them stops the cluster.
  { name: 'leader-election', shares: 10, flowSeatFraction: 0.5, queueLength: 50 },
  // The scheduler and the controller manager.
  { name: 'workload-high', shares: 40, flowSeatFraction: 0.5, queueLength: 128 },
  // Every other authenticated user (and, without authentication, everybody).
  { name: 'workload-low', shares: 100, flowSeatFraction: 0.25, queueLength: 50 },
];

export interface LevelLimits {
  name: string;
  /** Seats of the level: requests it serves at once. */
  seats: number;
  /** Seats one flow may hold at once. */
  flowSeats: number;
  queueLength: number;
}

/** Each level's seats: ceil(total · shares / Σ shares), at least one (APF's nominal concurrency limit). */
export function levelLimits(totalSeats: number, levels: readonly PriorityLevelConfig[]): LevelLimits[] {
  const sum = levels.reduce((s, l) => s + l.shares, 0);
  return levels.map((l) => {
    const seats = Math.max(1, Math.ceil((totalSeats * l.shares) / sum));
    return { name: l.name, seats, flowSeats: Math.max(1, Math.floor(seats * l.flowSeatFraction)), queueLength: l.queueLength };
  });
}
