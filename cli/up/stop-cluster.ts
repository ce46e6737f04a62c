// Stopping a local cluster (`orch down`, a failed `orch up`, Ctrl-C in the foreground):
// the supervisor first, so it does not restart what is being stopped (on SIGTERM it stops
// the components itself, last started first, and exits), then whatever still runs (its
// supervisor was gone, or did not finish in time). Then the run/ files are removed.

import type { HomePaths } from './home.js';
import { removeClusterState, viewCluster } from './cluster-state.js';
import { isRunning, stopProcess } from './processes.js';
import { readSupervisorStatus } from './supervisor-status.js';

export type StopResult = 'stopped' | 'killed' | 'not-running';

/** Per component, last started first: how it was stopped. Empty when no cluster is recorded. */
export async function stopCluster(p: HomePaths, componentTimeoutMs = 15_000): Promise<{ name: string; result: StopResult }[]> {
  const view = viewCluster(p);
  if (!view) return [];
  // The supervisor of `orch up --foreground` is this process: its caller stopped it already.
  if (view.supervisorAlive && view.supervisorPid !== process.pid) {
    await stopProcess(view.supervisorPid!, (view.components.length + 1) * componentTimeoutMs + 5000);
  }
  const final = readSupervisorStatus(p.supervisorStatus);
  const out: { name: string; result: StopResult }[] = [];
  for (const c of [...view.components].reverse()) {
    const status = final?.components.find((s) => s.name === c.spec.name);
    const pid = status?.pid ?? c.pid;
    let result: StopResult = status?.state === 'stopped' && status.stopResult ? status.stopResult : 'not-running';
    if (pid && isRunning(pid, c.spec.command)) result = await stopProcess(pid, componentTimeoutMs);
    out.push({ name: c.spec.name, result });
  }
  removeClusterState(p);
  return out;
}
