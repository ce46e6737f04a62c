// The agents `orch up` runs on this host, read back from run/cluster.json (their command
// lines) and run/supervisor.json (whether each runs): what `orch down --purge` needs to
// know which nodes can still remove their own containers, and where the others' are.

import type { ClusterState, ClusterView } from './cluster-state.js';
import type { LocalAgentState } from './node-liveness.js';

export interface LocalAgent {
  node: string;
  dockerSocket: string;
  rootDir: string;
  runDir: string;
}

/** The agent a component runs, from its command line (the agent's defaults where a flag is absent). */
function agentOf(spec: ClusterState['components'][number]): LocalAgent | undefined {
  const i = spec.command.indexOf('agent');
  if (i < 0 || !spec.name.startsWith('agent-')) return undefined;
  const flag = (name: string) => {
    const at = spec.command.indexOf(name, i);
    return at > 0 ? spec.command[at + 1] : undefined;
  };
  const rootDir = flag('--root-dir') ?? '/var/lib/orch/agent';
  return { node: flag('--node-name') ?? spec.name.slice('agent-'.length), dockerSocket: flag('--docker-socket') ?? '/var/run/docker.sock', rootDir, runDir: flag('--run-dir') ?? rootDir };
}

export function localAgents(state: ClusterState): LocalAgent[] {
  return state.components.flatMap((c) => agentOf(c) ?? []);
}

/** Per node: does its agent process run right now (and the supervisor's state for it). */
export function localAgentStates(view: ClusterView): Map<string, LocalAgentState> {
  const out = new Map<string, LocalAgentState>();
  for (const c of view.components) {
    const agent = agentOf(c.spec);
    if (agent) out.set(agent.node, { running: c.alive, state: c.status?.state });
  }
  return out;
}
