// The service proxies `orch up` runs on this host (one per node, `proxy-<node>` in
// run/cluster.json), and their cleanup for `orch down --purge`: once the cluster is
// stopped nothing would ever remove their iptables chains, and every new cluster (a new
// cluster identity) would add its own jumps beside them. The cleanup runs the recorded
// command line with --cleanup and the cluster's identity, so it needs no API server.

import { spawn } from 'node:child_process';
import type { ClusterState } from './cluster-state.js';

export interface ProxyCleanup {
  node: string;
  /** What the proxy printed it removed (one line each). */
  removed: string[];
  error?: string;
}

/** The recorded proxy command lines, turned into their --cleanup form. */
export function proxyCleanupCommands(state: ClusterState, clusterUid: string): { node: string; command: string[] }[] {
  return state.components.flatMap((c) => {
    const i = c.command.indexOf('proxy');
    if (!c.name.startsWith('proxy-') || i < 0) return [];
    const args = [...c.command];
    const port = args.indexOf('--port', i);
    if (port > 0) args.splice(port, 2);
    const at = args.indexOf('--node-name', i);
    const node = at > 0 ? args[at + 1]! : c.name.slice('proxy-'.length);
    return [{ node, command: [...args, '--cleanup', '--cluster-uid', clusterUid] }];
  });
}

function run(command: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', (err) => resolve({ code: 127, stdout, stderr: err.message }));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs every proxy's cleanup, one after the other (they share iptables' lock anyway). */
export async function cleanupLocalProxies(state: ClusterState, clusterUid: string, timeoutMs = 30_000): Promise<ProxyCleanup[]> {
  const out: ProxyCleanup[] = [];
  for (const { node, command } of proxyCleanupCommands(state, clusterUid)) {
    const r = await run(command, timeoutMs);
    const removed = r.stdout.split('\n').filter((l) => l.startsWith('removed ')).map((l) => l.slice('removed '.length));
    const lastErr = r.stderr.trim().split('\n').filter(Boolean).at(-1);
    out.push(r.code === 0 ? { node, removed } : { node, removed, error: lastErr ?? `exit ${r.code}` });
  }
  return out;
}
