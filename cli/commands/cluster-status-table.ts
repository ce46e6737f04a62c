// The component table of `orch status`: the supervisor, then each component in start
// order with its state, pid, uptime, restarts and how it last exited.

import type { ClusterView } from '../up/cluster-state.js';
import { describeExit, type ComponentStatus } from '../up/supervisor-status.js';
import { formatAge, formatTable } from '../printers/table.js';

function stateText(status: ComponentStatus | undefined, alive: boolean, supervised: boolean, nowMs: number): string {
  // Without a supervisor only the process table tells the truth.
  if (!supervised) return alive ? 'running' : 'exited';
  if (!status) return 'pending';
  if (status.state === 'backoff' && status.nextRestartAt) {
    const inS = Math.max(0, Math.ceil((Date.parse(status.nextRestartAt) - nowMs) / 1000));
    return `restarting in ${inS}s`;
  }
  return status.state;
}

export function componentTable(view: ClusterView, nowMs: number): string {
  const supervised = view.supervisorAlive;
  const rows = [
    [
      'supervisor',
      view.supervisorPid ? String(view.supervisorPid) : '-',
      supervised ? 'running' : 'gone',
      supervised && view.supervisor ? formatAge(view.supervisor.startedAt, nowMs) : '-',
      '-',
      '-',
    ],
    ...view.components.map(({ spec, status, pid, alive }) => [
      spec.name,
      alive && pid ? String(pid) : '-',
      stateText(status, alive, supervised, nowMs),
      alive && status?.startedAt ? formatAge(status.startedAt, nowMs) : '-',
      String(status?.restarts ?? 0),
      status?.lastExit ? `${describeExit(status.lastExit)}, ${formatAge(status.lastExit.at, nowMs)} ago` : '-',
    ]),
  ];
  return formatTable(['COMPONENT', 'PID', 'STATE', 'UPTIME', 'RESTARTS', 'LAST EXIT'], rows);
}
