// The default roles and bindings every orch cluster has (Kubernetes' bootstrappolicy),
// reconciled on every apiserver start by bootstrap-reconcile.ts.
//
// admin / edit / view are aggregated as in Kubernetes: their rules come from the
// system:aggregate-to-{admin,edit,view} roles (and any role a user labels
// rbac.authorization.k8s.io/aggregate-to-*), through the aggregation controller. Those
// rules are written as Kubernetes writes them, group by group with resources by name,
// then kept to what orch serves (api/resources.ts): a kind added to orch later is covered
// by the same rule as in Kubernetes without editing this file, and nothing here names a
// resource orch would refuse to know.
//
// orch's own components get least-privilege roles from the API calls they make
// (system:kube-scheduler, system:kube-controller-manager); see docs/security/rbac.md.

import { RBAC_API_VERSION, type ClusterRole, type PolicyRule, type RoleBinding } from '../../../api/rbac-types.js';
import { RESOURCES } from '../../../api/resources.js';
import { VIRTUAL_RESOURCES } from '../../registry/virtual-kinds.js';

export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
const BOOTSTRAP_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
export const AGGREGATE_TO = (role: 'admin' | 'edit' | 'view') => `rbac.authorization.k8s.io/aggregate-to-${role}`;

export const SCHEDULER_USER = 'system:kube-scheduler';
export const CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';
export const KUBE_PROXY_USER = 'system:kube-proxy';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_WRITE = [...READ, ...WRITE];

/** Whether orch serves `resource` (plural or plural/subresource) in `group`. */
export function served(group: string, resource: string): boolean {
  if (group === '*' || resource === '*') return true;
  const [plural, sub] = resource.split('/') as [string, string | undefined];
  // Stored kinds and the reviews answered without storage (registry/virtual-kinds.ts).
  return [...RESOURCES, ...VIRTUAL_RESOURCES].some((r) => r.group === group && r.plural === plural && (sub === undefined || (r.subresources as string[]).includes(sub)));
}

/** A rule as Kubernetes writes it, kept to the resources orch serves (undefined: none left). */
function rule(verbs: string[], groups: string[], resources: string[], names?: string[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const g of groups) {
    const kept = resources.filter((r) => served(g, r));
    if (kept.length === 0) continue;
    out.push({ verbs, apiGroups: [g], resources: kept, ...(names ? { resourceNames: names } : {}) });
  }
  return out;
}

const urls = (verbs: string[], list: string[]): PolicyRule[] => [{ verbs, nonResourceURLs: list }];

function clusterRole(name: string, rules: PolicyRule[][], more: Partial<ClusterRole> = {}, labels: Record<string, string> = {}): ClusterRole {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRole',
    metadata: { name, labels: { ...BOOTSTRAP_LABEL, ...labels }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    rules: rules.flat(),
    ...more,
  };
}

function binding(role: string, subjects: Array<['User' | 'Group', string]>, name = role): RoleBinding {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...BOOTSTRAP_LABEL }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: subjects.map(([kind, n]) => ({ kind, apiGroup: 'rbac.authorization.k8s.io', name: n })),
  };
}

const aggregated = (to: 'admin' | 'edit' | 'view') => ({ aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO(to)]: 'true' } }] } });
const events = () => [...rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events'])];

function aggregateToView(): PolicyRule[][] {
  return [
    rule(READ, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
    rule(READ, [''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
    rule(READ, [''], ['namespaces']),
    rule(READ, ['discovery.k8s.io'], ['endpointslices']),
    rule(READ, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
    rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
    rule(READ, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
    rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
    rule(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
  ];
}

function aggregateToEdit(): PolicyRule[][] {
  return [
    rule(READ, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
    rule(['impersonate'], [''], ['serviceaccounts']),
    rule(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
    rule(['create'], [''], ['pods/eviction']),
    rule(WRITE, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
    rule(['create'], [''], ['serviceaccounts/token']),
    rule(WRITE, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
    rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
    rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
    rule(WRITE, ['policy'], ['poddisruptionbudgets']),
    rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
    rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
  ];
}

function aggregateToAdmin(): PolicyRule[][] {
  return [rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']), rule(READ_WRITE, ['rbac.authorization.k8s.io'], ['roles', 'rolebindings'])];
}

export function bootstrapClusterRoles(): ClusterRole[] {
  return [
    clusterRole('cluster-admin', [[{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], urls(['*'], ['*'])]),
    clusterRole('system:discovery', [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'])]),
    clusterRole('system:monitoring', [urls(['get'], ['/metrics', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'])]),
    // Kubernetes' rule, kept even before orch serves the review kinds (another part of issue 18 adds them).
    clusterRole('system:basic-user', [[
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    ]]),
    clusterRole('system:public-info-viewer', [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/'])]),
    clusterRole('admin', [], aggregated('admin')),
    clusterRole('edit', [], aggregated('edit'), { [AGGREGATE_TO('admin')]: 'true' }),
    clusterRole('view', [], aggregated('view'), { [AGGREGATE_TO('edit')]: 'true' }),
    clusterRole('system:aggregate-to-admin', aggregateToAdmin(), {}, { [AGGREGATE_TO('admin')]: 'true' }),
    clusterRole('system:aggregate-to-edit', aggregateToEdit(), {}, { [AGGREGATE_TO('edit')]: 'true' }),
    clusterRole('system:aggregate-to-view', aggregateToView(), {}, { [AGGREGATE_TO('view')]: 'true' }),
    // What metrics-server installs with itself: reading metrics is part of view, edit and admin.
    clusterRole('system:aggregated-metrics-reader', [rule(READ, ['metrics.k8s.io'], ['pods', 'nodes'])], {}, {
      [AGGREGATE_TO('view')]: 'true',
      [AGGREGATE_TO('edit')]: 'true',
      [AGGREGATE_TO('admin')]: 'true',
    }),
    // Certificate signing requests of joining nodes (certificates.k8s.io is served by the node-join part of issue 18).
    clusterRole('system:node-bootstrapper', [[{ verbs: ['create', 'get', 'list', 'watch'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'] }]]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [[{ verbs: ['create'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/nodeclient'] }]]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [[{ verbs: ['create'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/selfnodeclient'] }]]),
    // orch's scheduler: watches nodes and pods, binds pods, writes their PodScheduled
    // condition and Events, and holds its leader-election Lease.
    clusterRole(SCHEDULER_USER, [
      events(),
      [{ verbs: ['create'], apiGroups: ['coordination.k8s.io'], resources: ['leases'] }],
      [{ verbs: ['get', 'update'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['orch-scheduler', 'kube-scheduler'] }],
      [{ verbs: READ, apiGroups: [''], resources: ['nodes', 'pods', 'namespaces'] }],
      [{ verbs: ['create'], apiGroups: [''], resources: ['pods/binding', 'bindings'] }],
      [{ verbs: ['patch', 'update'], apiGroups: [''], resources: ['pods/status'] }],
      // Volume binding: reads claims, volumes and classes; marks a claim with its selected node.
      [{ verbs: READ, apiGroups: [''], resources: ['persistentvolumeclaims', 'persistentvolumes'] }],
      [{ verbs: ['patch', 'update'], apiGroups: [''], resources: ['persistentvolumeclaims'] }],
      [{ verbs: READ, apiGroups: ['storage.k8s.io'], resources: ['storageclasses'] }],
    ]),
    // orch's controller manager runs every controller under one identity (Kubernetes
    // gives each its own service account). It reads everything through informers; the
    // garbage collector patches and deletes objects of any kind (Kubernetes'
    // generic-garbage-collector holds the same); the rest create what they manage.
    clusterRole(CONTROLLER_MANAGER_USER, [
      events(),
      [{ verbs: ['create'], apiGroups: ['coordination.k8s.io'], resources: ['leases'] }],
      [{ verbs: ['get', 'update'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['orch-controller-manager', 'kube-controller-manager'] }],
      [{ verbs: ['get', 'list', 'watch', 'patch', 'update', 'delete'], apiGroups: ['*'], resources: ['*'] }],
      // serviceaccounts and configmaps: the `default` ServiceAccount and kube-root-ca.crt of every namespace.
      // persistentvolumeclaims: the statefulset controller's claims from volumeClaimTemplates.
      [{ verbs: ['create'], apiGroups: [''], resources: ['pods', 'endpoints', 'configmaps', 'serviceaccounts', 'persistentvolumeclaims'] }],
      [{ verbs: ['create'], apiGroups: ['apps'], resources: ['replicasets', 'controllerrevisions'] }],
      // The cronjob controller creates a Job per run.
      [{ verbs: ['create'], apiGroups: ['batch'], resources: ['jobs'] }],
      [{ verbs: ['create'], apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] }],
      // csrapproving asks whether a CSR's requester may create certificatesigningrequests/
      // nodeclient or selfnodeclient (Kubernetes' system:kube-controller-manager holds the same).
      [{ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'] }],
      // csrapproving approves node client and serving requests, csrsigning signs those and
      // kube-apiserver-client ones (Kubernetes' csrapprover / csrsigner roles, on the
      // `signers` pseudo-resource the CSR admission checks).
      [{ verbs: ['approve'], apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving'] }],
      [{ verbs: ['sign'], apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kube-apiserver-client', 'kubernetes.io/kubelet-serving'] }],
      // The binder's provisioned volumes and the local-path class it creates at start.
      [{ verbs: ['create'], apiGroups: [''], resources: ['persistentvolumes'] }],
      [{ verbs: ['create'], apiGroups: ['storage.k8s.io'], resources: ['storageclasses'] }],
      // The aggregation controller writes rules it does not hold itself (Kubernetes'
      // clusterrole-aggregation-controller holds the same `escalate`).
      [{ verbs: ['escalate'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'] }],
    ]),
    clusterRole('system:node-proxier', [
      [{ verbs: ['list', 'watch'], apiGroups: [''], resources: ['services', 'endpoints'] }],
      [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['nodes'] }],
      [{ verbs: ['list', 'watch'], apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] }],
      events(),
    ]),
  ];
}

export function bootstrapClusterRoleBindings(): RoleBinding[] {
  return [
    binding('cluster-admin', [['Group', 'system:masters']]),
    binding('system:discovery', [['Group', 'system:authenticated']]),
    binding('system:basic-user', [['Group', 'system:authenticated']]),
    binding('system:public-info-viewer', [['Group', 'system:authenticated'], ['Group', 'system:unauthenticated']]),
    binding('system:node-bootstrapper', [['Group', 'system:bootstrappers']]),
    binding('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [['Group', 'system:bootstrappers']], 'kubeadm:node-autoapprove-bootstrap'),
    binding('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [['Group', 'system:nodes']], 'kubeadm:node-autoapprove-certificate-rotation'),
    binding(SCHEDULER_USER, [['User', SCHEDULER_USER]]),
    binding(CONTROLLER_MANAGER_USER, [['User', CONTROLLER_MANAGER_USER]]),
    binding('system:node-proxier', [['User', KUBE_PROXY_USER]]),
  ];
}
