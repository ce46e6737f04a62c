// Which (pod, container) pairs `orch logs` reads: one pod named directly or through its
// deployment / replica set / job, or every pod a selector matches; in each, the container
// asked for, all of them (--all-containers: init containers first), or the default one
// (the kubectl.kubernetes.io/default-container annotation, else the first, said on stderr
// as kubectl says it).

import { defaultContainer, defaultedNotice } from '../api/default-container.js';
import { resolveResourceName } from '../api/resources.js';
import type { LabelSelector, Pod } from '../api/types.js';
import { labelSelectorToString } from '../api/selectors/labels.js';
import type { CliContext } from './context.js';

export interface LogTarget {
  namespace: string;
  pod: string;
  container: string;
}

async function podFor(ctx: CliContext, arg: string): Promise<Pod> {
  const slash = arg.indexOf('/');
  if (slash < 0) return ctx.client.pods.get(arg, ctx.namespace);
  const r = resolveResourceName(arg.slice(0, slash));
  const name = arg.slice(slash + 1);
  if (r?.kind === 'Pod') return ctx.client.pods.get(name, ctx.namespace);
  if (r?.kind !== 'Deployment' && r?.kind !== 'ReplicaSet' && r?.kind !== 'Job') throw new Error(`logs work for pods, deployments, replicasets and jobs, not "${arg.slice(0, slash)}"`);
  const owner = await ctx.client.resource<{ metadata: { name?: string }; spec: { selector: LabelSelector } }>(r.plural).get(name, ctx.namespace);
  const pods = (await ctx.client.pods.list({ namespace: ctx.namespace, labelSelector: labelSelectorToString(owner.spec.selector) })).items;
  const live = pods.filter((p) => !p.metadata.deletionTimestamp);
  // Prefer a running pod, then the newest.
  live.sort((a, b) => Number(b.status?.phase === 'Running') - Number(a.status?.phase === 'Running') || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
  if (!live.length) throw new Error(`${r.singular} "${name}" has no pods yet`);
  if (live.length > 1) ctx.err(`Found ${live.length} pods, using pod/${live[0]!.metadata.name}`);
  return live[0]!;
}

function containersOf(ctx: CliContext, pod: Pod, container: string | undefined, all: boolean | undefined): string[] {
  const name = pod.metadata.name!;
  const names = pod.spec.containers.map((c) => c.name);
  const init = (pod.spec.initContainers ?? []).map((c) => c.name);
  if (all) return [...init, ...names];
  if (container) {
    if (!names.includes(container) && !init.includes(container)) throw new Error(`container "${container}" is not in pod "${name}" (containers: ${[...names, ...init].join(', ')})`);
    return [container];
  }
  const d = defaultContainer(pod);
  if (!d) throw new Error(`pod "${name}" has no containers`);
  const notice = defaultedNotice(pod, d);
  if (notice) ctx.err(notice);
  return [d.name];
}

export async function logTargets(ctx: CliContext, o: { target?: string; selector?: string; container?: string; allContainers?: boolean }): Promise<LogTarget[]> {
  const pods = o.selector ? (await ctx.client.pods.list({ namespace: ctx.namespace, labelSelector: o.selector })).items : [await podFor(ctx, o.target!)];
  return pods.flatMap((p) => containersOf(ctx, p, o.container, o.allContainers).map((container) => ({ namespace: p.metadata.namespace ?? ctx.namespace, pod: p.metadata.name!, container })));
}
