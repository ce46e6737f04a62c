// run/cluster.json: what `orch up` started, so `orch down` and `orch status` can find it.

import fs from 'node:fs';
import path from 'node:path';
import type { ComponentProcess } from './processes.js';

export interface ClusterState {
  server: string;
  apiPort: number;
  etcdEndpoint: string;
  nodes: string[];
  startedAt: string;
  /** In start order; stopped in reverse. */
  components: ComponentProcess[];
}

export function readClusterState(file: string): ClusterState | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

export function writeClusterState(file: string, state: ClusterState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(state, null, 2));
}

export function removeClusterState(file: string): void {
  fs.rmSync(file, { force: true });
}
