// `orch describe sts|ds|job NAME`: the sections kubectl's describers print for the
// workloads that own pods directly — the selector, the counts the controller reports,
// "Pods Status" counted from the pods themselves, the update strategy, the pod template
// and (StatefulSets) the volume claim templates.

import type { DaemonSet } from '../../api/daemonset-types.js';
import type { Job } from '../../api/job-types.js';
import type { StatefulSet } from '../../api/statefulset-types.js';
import type { LabelSelector, Pod, PodTemplateSpec } from '../../api/types.js';
import { humanDuration } from '../../api/tables/duration.js';
import { conditions, field, indent, kv } from './describe-format.js';

/** kubectl's selector text: matchLabels as k=v, then each expression. */
function selectorText(s: LabelSelector | undefined): string {
  const parts = Object.entries(s?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s?.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
  }
  return parts.join(',') || '<none>';
}

/** "N Running / N Waiting / N Succeeded / N Failed", as kubectl counts a controller's pods. */
function podsStatus(pods: Pod[]): string {
  const n = (phase: string) => pods.filter((p) => (p.status?.phase ?? 'Pending') === phase).length;
  return `${n('Running')} Running / ${n('Pending')} Waiting / ${n('Succeeded')} Succeeded / ${n('Failed')} Failed`;
}

function templateSection(t: PodTemplateSpec): string[] {
  const lines = [field('Labels', kv(t.metadata?.labels))];
  const groups = [['Init Containers:', t.spec.initContainers ?? []], ['Containers:', t.spec.containers]] as const;
  for (const [title, containers] of groups) {
    if (containers.length === 0) continue;
    lines.push(title);
    for (const c of containers) {
      lines.push(`  ${c.name}:`);
      lines.push(indent([
        field('Image', c.image),
        ...(c.ports?.length ? [field('Ports', c.ports.map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', '))] : []),
        ...(c.command?.length ? [field('Command', c.command.join(' '))] : []),
        ...(c.args?.length ? [field('Args', c.args.join(' '))] : []),
        ...(c.volumeMounts?.length ? [field('Mounts', c.volumeMounts.map((m) => `${m.mountPath} from ${m.name}${m.readOnly ? ' (ro)' : ''}`).join(', '))] : []),
      ].join('\n'), 4));
    }
  }
  return ['Pod Template:', indent(lines.join('\n'))];
}

export function statefulSetSections(s: StatefulSet, pods: Pod[]): string[] {
  const st = s.status;
  const strategy = s.spec.updateStrategy?.type ?? 'RollingUpdate';
  const ru = s.spec.updateStrategy?.rollingUpdate;
  const claims = s.spec.volumeClaimTemplates ?? [];
  return [
    field('Selector', selectorText(s.spec.selector)),
    field('Service Name', s.spec.serviceName),
    field('Replicas', `${s.spec.replicas ?? 1} desired | ${st?.replicas ?? 0} total`),
    field('Pod Management', s.spec.podManagementPolicy ?? 'OrderedReady'),
    field('Update Strategy', strategy),
    ...(strategy === 'RollingUpdate' ? [`  ${field('Partition', ru?.partition ?? 0)}`] : []),
    ...(ru?.maxUnavailable !== undefined ? [`  ${field('Max Unavailable', ru.maxUnavailable)}`] : []),
    field('Revisions', `current ${st?.currentRevision ?? '<none>'}, update ${st?.updateRevision ?? '<none>'}`),
    field('Pods Status', podsStatus(pods)),
    ...templateSection(s.spec.template),
    'Volume Claims:',
    claims.length === 0
      ? indent('<none>')
      : indent(claims.map((c) => [
        field('Name', c.metadata.name),
        field('StorageClass', c.spec?.storageClassName ?? ''),
        field('Capacity', c.spec?.resources?.requests?.storage),
        field('Access Modes', `[${(c.spec?.accessModes ?? []).join(', ')}]`),
      ].join('\n')).join('\n')),
    field('Claim Retention', `whenDeleted ${s.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted ?? 'Retain'}, whenScaled ${s.spec.persistentVolumeClaimRetentionPolicy?.whenScaled ?? 'Retain'}`),
    ...conditions(st?.conditions),
  ];
}

export function daemonSetSections(d: DaemonSet, pods: Pod[]): string[] {
  const st = d.status;
  const ru = d.spec.updateStrategy?.rollingUpdate;
  return [
    field('Selector', selectorText(d.spec.selector)),
    field('Node-Selector', kv(d.spec.template.spec.nodeSelector)),
    `Desired Number of Nodes Scheduled: ${st?.desiredNumberScheduled ?? 0}`,
    `Current Number of Nodes Scheduled: ${st?.currentNumberScheduled ?? 0}`,
    `Number of Nodes Scheduled with Up-to-date Pods: ${st?.updatedNumberScheduled ?? 0}`,
    `Number of Nodes Scheduled with Available Pods: ${st?.numberAvailable ?? 0}`,
    `Number of Nodes Misscheduled: ${st?.numberMisscheduled ?? 0}`,
    field('Pods Status', podsStatus(pods)),
    field('Update Strategy', `${d.spec.updateStrategy?.type ?? 'RollingUpdate'}${ru ? ` (max unavailable ${ru.maxUnavailable ?? 1}, max surge ${ru.maxSurge ?? 0})` : ''}`),
    ...templateSection(d.spec.template),
    ...conditions(st?.conditions),
  ];
}

export function jobSections(j: Job, pods: Pod[], now: number): string[] {
  const st = j.status;
  const start = st?.startTime ? Date.parse(st.startTime) : undefined;
  const end = st?.completionTime ? Date.parse(st.completionTime) : undefined;
  const indexed = j.spec.completionMode === 'Indexed';
  return [
    field('Selector', selectorText(j.spec.selector)),
    field('Parallelism', j.spec.parallelism ?? 1),
    field('Completions', j.spec.completions ?? '<unset>'),
    field('Completion Mode', j.spec.completionMode ?? 'NonIndexed'),
    field('Suspend', j.spec.suspend ?? false),
    field('Backoff Limit', j.spec.backoffLimit ?? 6),
    ...(j.spec.activeDeadlineSeconds !== undefined ? [field('Active Deadline Seconds', `${j.spec.activeDeadlineSeconds}s`)] : []),
    field('Start Time', st?.startTime),
    ...(st?.completionTime ? [field('Completed At', st.completionTime)] : []),
    ...(start !== undefined ? [field('Duration', humanDuration((end ?? now) - start))] : []),
    field('Pods Statuses', `${st?.active ?? 0} Active (${st?.ready ?? 0} Ready) / ${st?.succeeded ?? 0} Succeeded / ${st?.failed ?? 0} Failed`),
    ...(indexed ? [field('Completed Indexes', st?.completedIndexes || '<none>')] : []),
    ...(st?.failedIndexes ? [field('Failed Indexes', st.failedIndexes)] : []),
    field('Pods', pods.length === 0 ? '<none>' : pods.map((p) => `${p.metadata.name} (${p.status?.phase ?? 'Pending'})`).join(', ')),
    ...templateSection(j.spec.template),
    ...conditions(st?.conditions),
  ];
}
