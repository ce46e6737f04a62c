// The pods of a Job: built from its template (owner reference, the job-tracking finalizer,
// for Indexed Jobs the completion index as annotation, label, JOB_COMPLETION_INDEX and
// hostname, and with backoffLimitPerIndex the index's failures so far) and read back (finished or not, when, with which index).

import { JOB_COMPLETION_INDEX_ANNOTATION, JOB_COMPLETION_INDEX_ENV, JOB_INDEX_FAILURE_COUNT_ANNOTATION, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION, JOB_TRACKING_FINALIZER, type Job } from '../../api/job-types.js';
import type { OwnerReference, Pod } from '../../api/types.js';
import { deepClone } from '../shared/objects.js';

export function isFinished(p: Pod): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

export function hasTrackingFinalizer(p: Pod): boolean {
  return (p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

/** The pod's completion index, or undefined when it has none or a malformed one. */
export function podIndex(p: Pod): number | undefined {
  const v = p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** When a finished pod finished: its last container exit, else its last condition change, else `fallback`. */
export function finishTime(p: Pod, fallback: number): number {
  let t: number | undefined;
  for (const s of [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])]) {
    const f = s.state.terminated?.finishedAt ? Date.parse(s.state.terminated.finishedAt) : NaN;
    if (!Number.isNaN(f) && (t === undefined || f > t)) t = f;
  }
  if (t !== undefined) return t;
  for (const c of p.status?.conditions ?? []) {
    const f = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
    if (!Number.isNaN(f) && (t === undefined || f > t)) t = f;
  }
  return t ?? fallback;
}

/** `indexFailures`: with backoffLimitPerIndex, the failures of the index so far, counted and ignored (annotated on the pod). */
export function podForJob(job: Job, ref: OwnerReference, index: number | undefined, indexFailures?: { count: number; ignored: number }): Pod {
  const t = job.spec.template;
  const name = job.metadata.name!;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
      namespace: job.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}) },
      ownerReferences: [ref],
      finalizers: [JOB_TRACKING_FINALIZER],
    },
    spec: deepClone(t.spec),
  };
  if (t.metadata?.annotations) pod.metadata.annotations = { ...t.metadata.annotations };
  if (index !== undefined) {
    pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [JOB_COMPLETION_INDEX_ANNOTATION]: String(index) };
    pod.metadata.labels![JOB_COMPLETION_INDEX_ANNOTATION] = String(index);
    if (indexFailures !== undefined) {
      pod.metadata.annotations[JOB_INDEX_FAILURE_COUNT_ANNOTATION] = String(indexFailures.count);
      if (indexFailures.ignored > 0) pod.metadata.annotations[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(indexFailures.ignored);
    }
    for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      c.env = [...(c.env ?? []).filter((e) => e.name !== JOB_COMPLETION_INDEX_ENV), { name: JOB_COMPLETION_INDEX_ENV, value: String(index) }];
    }
    const host = `${name}-${index}`;
    if (pod.spec.hostname === undefined && host.length <= 63) pod.spec.hostname = host;
  }
  return pod;
}
