// run/cluster.json: what `orch up` started (ports, each component's command, the
// supervisor's pid), so the supervisor, `orch down` and `orch status` can find it. Written
// by `orch up` only; the live state of each component is in run/supervisor.json.

import fs from 'node:fs';
import { readJsonFile, writeJsonFile } from './json-file.js';
import type { HomePaths } from './home.js';
import { commandLineOf, isAlive, isRunning, type ComponentSpec } from './processes.js';
import { readSupervisorStatus, type ComponentStatus, type SupervisorStatus } from './supervisor-status.js';

export interface ClusterState {
  server: string;
  apiPort: number;
  etcdEndpoint: string;
  nodes: string[];
  startedAt: string;
  /** In start order; stopped in reverse. `pid` only in files of orch versions before the supervisor. */
  components: (ComponentSpec & { pid?: number })[];
  /** The process that starts, restarts and stops the components (`orch supervise`). */
  supervisor?: { pid: number; log: string };
}

export const readClusterState = (file: string) => readJsonFile<ClusterState>(file);

export const writeClusterState = (file: string, state: ClusterState) => writeJsonFile(file, state);

/** Forget the cluster: its description and the supervisor's status. */
export function removeClusterState(p: Pick<HomePaths, 'clusterState' | 'supervisorStatus'>): void {
  fs.rmSync(p.clusterState, { force: true });
  fs.rmSync(p.supervisorStatus, { force: true });
}

/** cluster.json and supervisor.json read together, with what is alive right now. */
export interface ClusterView {
  state: ClusterState;
  supervisor?: SupervisorStatus;
  supervisorPid?: number;
  supervisorAlive: boolean;
  components: { spec: ClusterState['components'][number]; status?: ComponentStatus; pid?: number; alive: boolean }[];
}

export function viewCluster(p: Pick<HomePaths, 'clusterState' | 'supervisorStatus'>): ClusterView | undefined {
  const state = readClusterState(p.clusterState);
  if (!state) return undefined;
  const supervisor = readSupervisorStatus(p.supervisorStatus);
  const supervisorPid = supervisor?.pid ?? state.supervisor?.pid;
  // `orch supervise`, or `orch up --foreground` running the supervisor itself.
  const argv = supervisorPid ? commandLineOf(supervisorPid) : undefined;
  const supervisorAlive = !!supervisorPid && isAlive(supervisorPid) && (argv === undefined || argv.includes('supervise') || argv.includes('up'));
  const components = state.components.map((spec) => {
    const status = supervisor?.components.find((c) => c.name === spec.name);
    const pid = status?.pid ?? spec.pid;
    return { spec, status, pid, alive: isRunning(pid, spec.command) };
  });
  return { state, supervisor, supervisorPid, supervisorAlive, components };
}
