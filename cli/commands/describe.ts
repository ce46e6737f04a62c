// `orch describe TYPE NAME`: the object in readable sections, then its Events.

import { Command } from 'commander';
import YAML from 'yaml';
import { resolveResourceName } from '../../api/resources.js';
import { allocatedResources } from './describe-node-allocated.js';
import type { Container, ContainerStatus, Deployment, EndpointSlice, Event, KubeObject, Namespace, Node, Pod, ReplicaSet, Service } from '../../api/types.js';
import { LAST_APPLIED_ANNOTATION } from '../apply-patch.js';
import { cliContext, splitTypeName, type CliContext } from '../context.js';
import { describeEndpointSlice, describeService, type ServiceEndpoints } from './describe-service.js';
import { isNotFound } from '../../api/errors.js';
import { formatAge, formatTable } from '../printers/table.js';
import { podSummary } from '../../api/tables/pods.js';
import { hpaSections } from './describe-hpa.js';
import type { HorizontalPodAutoscaler } from '../../api/hpa-types.js';
import { conditions, field, indent, kv } from './describe-format.js';
import { daemonSetSections, jobSections, statefulSetSections } from './describe-workloads.js';
import type { DaemonSet } from '../../api/daemonset-types.js';
import type { StatefulSet } from '../../api/statefulset-types.js';
import type { Job } from '../../api/job-types.js';

function common(o: KubeObject): string[] {
  return [
    field('Name', o.metadata.name),
    ...(o.metadata.namespace ? [field('Namespace', o.metadata.namespace)] : []),
    field('Labels', kv(o.metadata.labels)),
    field('Annotations', kv(o.metadata.annotations, [LAST_APPLIED_ANNOTATION])),
    field('Created', `${o.metadata.creationTimestamp ?? ''} (${formatAge(o.metadata.creationTimestamp)} ago)`),
    ...(o.metadata.deletionTimestamp ? [field('Deleting', `since ${o.metadata.deletionTimestamp}`)] : []),
    ...(o.metadata.ownerReferences?.length ? [field('Controlled By', o.metadata.ownerReferences.map((r) => `${r.kind}/${r.name}`).join(', '))] : []),
  ];
}

/** Status, and while Terminating the cleanup's conditions with when each last changed (as kubectl shows them). */
function namespaceSections(n: Namespace): string[] {
  const conds = n.status?.conditions ?? [];
  return [
    field('Status', n.status?.phase ?? 'Active'),
    ...(conds.length
      ? ['Conditions:', indent(formatTable(['TYPE', 'STATUS', 'LAST TRANSITION', 'REASON', 'MESSAGE'], conds.map((c) => [c.type, c.status, c.lastTransitionTime ?? '', c.reason ?? '', c.message ?? ''])))]
      : []),
  ];
}

function podSections(p: Pod): string[] {
  const out = [field('Node', p.spec.nodeName ?? '<none>'), field('Status', podSummary(p).reason), field('IP', p.status?.podIP), field('Start Time', p.status?.startTime)];
  // Init containers first, as kubectl describe shows them.
  const lists = [['Init Containers:', p.spec.initContainers ?? [], p.status?.initContainerStatuses], ['Containers:', p.spec.containers, p.status?.containerStatuses]] as const;
  for (const [title, specs, statuses] of lists) {
    if (specs.length > 0) out.push(title);
    for (const c of specs) containerBlock(out, c, statuses?.find((s) => s.name === c.name));
  }
  return [...out, ...conditions(p.status?.conditions)];
}

function containerBlock(out: string[], c: Container, cs: ContainerStatus | undefined): void {
  const state = cs?.state.running ? `Running (since ${cs.state.running.startedAt ?? '?'})` : cs?.state.waiting ? `Waiting: ${cs.state.waiting.reason ?? ''}${cs.state.waiting.message ? ` — ${cs.state.waiting.message}` : ''}` : cs?.state.terminated ? `Terminated: ${cs.state.terminated.reason ?? ''} (exit code ${cs.state.terminated.exitCode})` : 'Not created';
  out.push(`  ${c.name}:`);
  out.push(indent([field('Image', c.image), field('State', state), field('Ready', cs?.ready ?? false), field('Restarts', cs?.restartCount ?? 0),
    ...(cs?.lastState?.terminated ? [field('Last State', `Terminated: ${cs.lastState.terminated.reason ?? ''} (exit code ${cs.lastState.terminated.exitCode}) at ${cs.lastState.terminated.finishedAt ?? '?'}`)] : []),
    ...(c.ports?.length ? [field('Ports', c.ports.map((pp) => `${pp.containerPort}/${pp.protocol ?? 'TCP'}${pp.hostPort ? ` (host ${pp.hostPort})` : ''}`).join(', '))] : []),
    ...(c.resources?.limits ? [field('Limits', kv(c.resources.limits))] : []),
    ...(c.resources?.requests ? [field('Requests', kv(c.resources.requests))] : [])].join('\n'), 4));
}

function deploymentSections(d: Deployment, rss: ReplicaSet[]): string[] {
  const s = d.status ?? {};
  const ru = d.spec.strategy?.rollingUpdate;
  return [
    field('Selector', kv(d.spec.selector.matchLabels)),
    field('Replicas', `${d.spec.replicas ?? 1} desired | ${s.updatedReplicas ?? 0} updated | ${s.replicas ?? 0} total | ${s.availableReplicas ?? 0} available | ${s.unavailableReplicas ?? 0} unavailable`),
    field('Strategy', `${d.spec.strategy?.type ?? 'RollingUpdate'}${ru ? ` (max surge ${ru.maxSurge ?? '25%'}, max unavailable ${ru.maxUnavailable ?? '25%'})` : ''}`),
    ...(d.spec.paused ? [field('Paused', 'true')] : []),
    'Pod Template:',
    indent(d.spec.template.spec.containers.map((c) => `${c.name}: ${c.image}`).join('\n')),
    ...conditions(d.status?.conditions),
    'ReplicaSets:',
    indent(rss.length ? rss.map((r) => `${r.metadata.name} (revision ${r.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '?'}): ${r.status?.replicas ?? 0}/${r.spec.replicas ?? 0} replicas`).join('\n') : '<none>'),
  ];
}

function nodeSections(n: Node, pods: Pod[]): string[] {
  return [
    field('Unschedulable', Boolean(n.spec?.unschedulable)),
    field('Taints', n.spec?.taints?.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(', ') || '<none>'),
    ...conditions(n.status?.conditions),
    'Addresses:',
    indent((n.status?.addresses ?? []).map((a) => `${a.type}: ${a.address}`).join('\n') || '<none>'),
    'Capacity:',
    indent(Object.entries(n.status?.capacity ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n') || '<none>'),
    'Allocatable:',
    indent(Object.entries(n.status?.allocatable ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n') || '<none>'),
    'System Info:',
    indent(Object.entries(n.status?.nodeInfo ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n') || '<none>'),
    allocatedResources(n, pods),
    `Pods (${pods.length}):`,
    indent(pods.length ? formatTable(['NAMESPACE', 'NAME', 'STATUS'], pods.map((p) => [p.metadata.namespace ?? '', p.metadata.name ?? '', podSummary(p).reason])) : '<none>'),
  ];
}

export function eventsTable(events: Event[]): string {
  if (!events.length) return 'Events:         <none>';
  const sorted = [...events].sort((a, b) => (a.lastTimestamp ?? '').localeCompare(b.lastTimestamp ?? ''));
  return `Events:\n${indent(formatTable(['TYPE', 'REASON', 'AGE', 'FROM', 'MESSAGE'], sorted.map((e) => [e.type ?? 'Normal', e.reason ?? '', `${formatAge(e.lastTimestamp ?? e.metadata.creationTimestamp)}${(e.count ?? 1) > 1 ? ` (x${e.count})` : ''}`, e.source?.component ?? e.reportingComponent ?? '', e.message ?? ''])))}`;
}

/** The Service's EndpointSlices (as kubectl v1.32 reads them); its Endpoints object where the server has no slices. */
async function serviceEndpoints(ctx: CliContext, svc: Service): Promise<ServiceEndpoints> {
  const ns = svc.metadata.namespace;
  const name = svc.metadata.name ?? '';
  if (resolveResourceName('endpointslices')) {
    try {
      return { slices: (await ctx.client.resource<EndpointSlice>('endpointslices').list({ namespace: ns, labelSelector: `kubernetes.io/service-name=${name}` })).items };
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  const endpoints = await ctx.client.endpoints.get(name, ns).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
  return { endpoints };
}

export function describeCommand(): Command {
  return new Command('describe')
    .description('Show an object in readable sections, with its recent Events')
    .argument('<type>', 'TYPE or TYPE/NAME')
    .argument('[name]')
    .action(async (type: string, maybeName: string | undefined, _f: unknown, cmd: Command) => {
      const ctx = cliContext(cmd);
      const { type: t, name } = splitTypeName(type, maybeName);
      const r = resolveResourceName(t);
      if (!r) throw new Error(`the server doesn't have a resource type "${t}"`);
      if (!name) throw new Error(`name the ${r.singular} to describe`);
      const ns = r.namespaced ? ctx.namespace : undefined;
      const obj = await ctx.client.resource(r.plural).get(name, ns);
      const evNs = obj.metadata.namespace ?? 'default';
      const events = (await ctx.client.events.list({ namespace: evNs, fieldSelector: `involvedObject.name=${name}` }).catch(() => ({ items: [] as Event[] }))).items
        .filter((e) => (!e.involvedObject.uid || e.involvedObject.uid === obj.metadata.uid) && (!e.involvedObject.kind || e.involvedObject.kind === r.kind));
      // Services and EndpointSlices print exactly as kubectl describe prints them.
      if (r.kind === 'Service') {
        ctx.out(describeService(obj as Service, await serviceEndpoints(ctx, obj as Service), events, Date.now()));
        return;
      }
      if (r.kind === 'EndpointSlice') {
        ctx.out(describeEndpointSlice(obj as EndpointSlice, events, Date.now()));
        return;
      }
      const lines = [...common(obj)];
      if (r.kind === 'Pod') lines.push(...podSections(obj as Pod));
      else if (r.kind === 'Deployment') {
        const rss = (await ctx.client.replicasets.list({ namespace: ns })).items.filter((x) => x.metadata.ownerReferences?.some((o) => o.uid === obj.metadata.uid));
        lines.push(...deploymentSections(obj as Deployment, rss));
      } else if (r.kind === 'Node') {
        const pods = (await ctx.client.pods.list({ fieldSelector: `spec.nodeName=${name}` })).items;
        lines.push(...nodeSections(obj as Node, pods));
      } else if (r.kind === 'Namespace') {
        lines.push(...namespaceSections(obj as Namespace));
      } else if (r.kind === 'HorizontalPodAutoscaler') {
        lines.push(...hpaSections(obj as HorizontalPodAutoscaler));
      } else if (r.kind === 'StatefulSet' || r.kind === 'DaemonSet' || r.kind === 'Job') {
        const pods = (await ctx.client.pods.list({ namespace: ns })).items.filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === obj.metadata.uid));
        if (r.kind === 'StatefulSet') lines.push(...statefulSetSections(obj as StatefulSet, pods));
        else if (r.kind === 'DaemonSet') lines.push(...daemonSetSections(obj as DaemonSet, pods));
        else lines.push(...jobSections(obj as Job, pods, Date.now()));
      } else {
        const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = obj;
        if (r.kind === 'Secret' && rest.data) rest.data = Object.fromEntries(Object.keys(rest.data as object).map((k) => [k, `<${Buffer.from(String((rest.data as Record<string, string>)[k]), 'base64').length} bytes>`]));
        if (Object.keys(rest).length) lines.push(YAML.stringify(rest).trimEnd());
      }
      lines.push(eventsTable(events));
      ctx.out(lines.join('\n'));
    });
}
