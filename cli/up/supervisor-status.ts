// run/supervisor.json: what the supervisor of `orch up` knows about each component (pid,
// state, restarts, last exit), rewritten on every change. Only the supervisor writes it;
// `orch status`, `orch down` and `orch up` read it (json-file.ts: never half a file).

import { readJsonFile, writeJsonFile } from './json-file.js';

/**
 * starting: launched, its readiness check has not passed yet;
 * running: up (ready, for components that have a check);
 * backoff: exited, waiting to be restarted;
 * stopped: stopped on purpose (`orch down`, Ctrl-C), never restarted.
 */
export type ComponentState = 'starting' | 'running' | 'backoff' | 'stopped';

export interface ExitInfo {
  /** Exit code, or null when a signal ended it (or the code is unknown). */
  code: number | null;
  signal: string | null;
  at: string;
  ranForMs: number;
  /** Adopted from an earlier supervisor: not its child, so code and signal are unknown. */
  unknown?: boolean;
}

export interface ComponentStatus {
  name: string;
  state: ComponentState;
  pid?: number;
  /** When the current process started (state starting/running). */
  startedAt?: string;
  /** Restarts by this supervisor. */
  restarts: number;
  lastExit?: ExitInfo;
  /** state backoff: when the restart is due. */
  nextRestartAt?: string;
  /** state stopped: how the stop went. */
  stopResult?: 'stopped' | 'killed' | 'not-running';
  /** Taken over from an earlier supervisor (not this one's child). */
  adopted?: boolean;
}

export interface SupervisorStatus {
  pid: number;
  startedAt: string;
  /** Set once the supervisor is stopping every component (no restarts any more). */
  stopping?: boolean;
  components: ComponentStatus[];
}

export const readSupervisorStatus = (file: string) => readJsonFile<SupervisorStatus>(file);

export const writeSupervisorStatus = (file: string, status: SupervisorStatus) => writeJsonFile(file, status);

/** "exit code 1", "signal SIGKILL", "exited (code unknown)". */
export function describeExit(e: Pick<ExitInfo, 'code' | 'signal' | 'unknown'>): string {
  if (e.unknown) return 'exited (code unknown: adopted)';
  if (e.signal) return `signal ${e.signal}`;
  return `exit code ${e.code ?? '?'}`;
}
