// Shared bits of the agent e2e tests: docker CLI calls, polling, pod manifests.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { Pod } from '../../api/types.js';
import type { Agent } from '../../agent/agent.js';
import { eventually } from '../helpers/eventually.js';

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function dockerJson<T = any>(...args: string[]): T {
  return JSON.parse(docker(...args)) as T;
}

/** Container ids carrying every label (any state). */
export function containersWith(labels: Record<string, string>): string[] {
  const filters = Object.entries(labels).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`]);
  const out = docker('ps', '-aq', '--no-trunc', ...filters);
  return out ? out.split('\n') : [];
}

/** Like containersWith, without the pods' sandboxes (orch.io/container=POD): the app containers. */
export function appContainersWith(labels: Record<string, string>): string[] {
  const filters = Object.entries(labels).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`]);
  const out = docker('ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Label "orch.io/container"}}', ...filters);
  return out ? out.split('\n').map((l) => l.split(' ')).filter(([, c]) => c !== 'POD').map(([id]) => id!) : [];
}

export function removeContainersWith(labels: Record<string, string>): void {
  const ids = containersWith(labels);
  if (ids.length) docker('rm', '-f', '-v', ...ids);
}

/** The shared eventually() with this suite's defaults (30 s, a check every 100 ms). */
export function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  return eventually(what, fn, timeoutMs, everyMs);
}

export function podManifest(name: string, nodeName: string, spec: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { test: 'agent-e2e' } },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
      ...spec,
    },
  };
}

/** Mount points at or below `dir` (from /proc/self/mountinfo), deepest first. */
export function mountsUnder(dir: string): string[] {
  const unescape = (p: string) => p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => unescape(l.split(' ')[4] ?? ''))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/**
 * Removes an agent's root dir after a test. Pods still bound to a stopped agent keep their
 * secrets' tmpfs mounted (as on a real node), so those are unmounted first.
 */
export function removeAgentDir(dir: string): void {
  for (const m of mountsUnder(dir)) execFileSync('umount', ['-l', m]);
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Counts the agent's completed pod syncs (per pod key, "namespace/name") and orphan
 * sweeps from now on: the positive signal a test waits for before asserting that the
 * agent left something alone (instead of sleeping "a few resyncs").
 */
export function countSyncs(agent: Agent): { syncs(key: string): number; sweeps(): number } {
  const sync = agent.podSync;
  if (!sync) throw new Error('countSyncs: start the agent first');
  const counts = new Map<string, number>();
  let sweeps = 0;
  const reconcile = sync.reconcile.bind(sync);
  const sweep = sync.sweepOrphans.bind(sync);
  sync.reconcile = async (key: string) => {
    try {
      return await reconcile(key);
    } finally {
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  };
  sync.sweepOrphans = async () => {
    try {
      return await sweep();
    } finally {
      sweeps++;
    }
  };
  return { syncs: (key) => counts.get(key) ?? 0, sweeps: () => sweeps };
}
