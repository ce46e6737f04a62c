// Convergence of the soak's workload, judged on what really runs (the hosts' engines) as
// well as on the API: every Deployment in the soak's namespaces has status.replicas,
// updated, ready and available equal to spec.replicas for its current generation, and
// exactly that many pods run on the engines, each Ready, each with the Deployment's
// current template (image and REVISION); no other pod object or running container is
// left in those namespaces (a deleted Deployment's pods, an evicted pod on a healed host).

import type { Pod } from '../../api/types.js';
import { matchesLabels, selectorFromLabelSelector } from '../../api/selectors/labels.js';
import type { Snapshot } from '../cluster/invariants.js';
import { fieldsOf, WEB_CONTAINER } from './history.js';
import { NAMESPACES } from './workload.js';

const inSoak = (ns: string | undefined) => NAMESPACES.includes(ns ?? '');
const ready = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Why the workload is not converged (empty when it is). */
export function notConverged(s: Snapshot): string[] {
  const out: string[] = [];
  const runningUids = new Set<string>();
  const runningInSoak: string[] = [];
  for (const [host, list] of s.containers) {
    for (const c of list) {
      if (!c.running) continue;
      runningUids.add(c.labels['orch.io/pod-uid']!);
      if (inSoak(c.labels['orch.io/namespace'])) runningInSoak.push(`${c.labels['orch.io/pod-uid']} h${host} ${c.labels['orch.io/namespace']}/${c.labels['orch.io/pod']}`);
    }
  }
  if (s.unreachable.size) out.push(`engines not answering: ${[...s.unreachable].map((i) => `h${i}`).join(', ')}`);
  const pods = s.pods.filter((p) => inSoak(p.metadata.namespace));
  const accounted = new Set<string>();
  for (const d of s.deployments.filter((x) => inSoak(x.metadata.namespace))) {
    const key = `${d.metadata.namespace}/${d.metadata.name}`;
    const want = d.spec.replicas ?? 1;
    const st = d.status ?? {};
    if ((st.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
      out.push(`${key}: generation ${d.metadata.generation} not observed yet (${st.observedGeneration ?? 0})`);
      continue;
    }
    if (st.replicas !== want || st.updatedReplicas !== want || (st.readyReplicas ?? 0) !== want || (st.availableReplicas ?? 0) !== want) {
      out.push(`${key}: status replicas=${st.replicas} updated=${st.updatedReplicas} ready=${st.readyReplicas} available=${st.availableReplicas}, want ${want}`);
    }
    const reqs = selectorFromLabelSelector(d.spec.selector);
    const mine = pods.filter((p) => p.metadata.namespace === d.metadata.namespace && matchesLabels(reqs, p.metadata.labels));
    for (const p of mine) accounted.add(p.metadata.uid!);
    const live = mine.filter((p) => !p.metadata.deletionTimestamp && runningUids.has(p.metadata.uid!));
    if (mine.length !== want || live.length !== want) {
      // Name the pods that are not live, with what the API says of them: that is where a stuck one shows.
      const others = mine.filter((p) => !live.includes(p)).slice(0, 3)
        .map((p) => `${p.metadata.name} on ${p.spec.nodeName ?? 'no node'} ${p.status?.phase ?? '?'}${p.metadata.deletionTimestamp ? ` deleting since ${p.metadata.deletionTimestamp}` : ''}`);
      out.push(`${key}: ${mine.length} pod objects, ${live.length} running on the engines, want ${want}${others.length ? ` (not running: ${others.join('; ')})` : ''}`);
    }
    const f = fieldsOf(d);
    for (const p of live) {
      const c = p.spec.containers.find((x) => x.name === WEB_CONTAINER);
      const rev = c?.env?.find((e) => e.name === 'REVISION')?.value;
      if (c?.image !== f.image || rev !== f.revision) out.push(`${key}: pod ${p.metadata.name} runs ${c?.image} rev ${rev}, the template is ${f.image} rev ${f.revision}`);
      else if (!ready(p)) out.push(`${key}: pod ${p.metadata.name} is not Ready`);
    }
  }
  const strays = pods.filter((p) => !accounted.has(p.metadata.uid!));
  if (strays.length) out.push(`pods of no Deployment left: ${strays.slice(0, 5).map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')}${strays.length > 5 ? ` (+${strays.length - 5})` : ''}`);
  const podUids = new Set(pods.map((p) => p.metadata.uid));
  const orphans = runningInSoak.filter((r) => !podUids.has(r.split(' ')[0]));
  if (orphans.length) out.push(`containers of no pod still running: ${orphans.slice(0, 5).join('; ')}`);
  return out;
}
