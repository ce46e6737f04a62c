// The published schema cannot silently fall behind what orch stores: every object of
// every kind orch serves, as it sits in etcd after a small cluster's worth of activity
// (rich objects created through the API and defaulted there, what the controllers made
// of them, and the status an agent would write), is walked against its kind's schema
// model; a field the schema does not have fails the test with its path. A field added to
// orch's types and defaults must be added to the protobuf schema (and so to the model).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RESOURCES } from '../../api/resources.js';
import { definitionName } from '../../api/schema/kinds.js';
import { unknownFields } from '../../api/schema/unknown-fields.js';
import type { KubeObject, Pod } from '../../api/types.js';
import { computePodStatus } from '../../agent/pod-status.js';
import { buildNodeStatus } from '../../agent/node-status.js';
import { schemaModel } from '../../apiserver/routes/openapi-model.js';
import { apiRequest } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';
import { createNodeCsr, newPrivateKeyPem } from '../../foundation/pki-csr.js';
import { generateCA } from '../../foundation/pki.js';
import { allowPrivilegedPods } from '../helpers/pod-security.js';
import { startHarness, type Harness } from './controller-helpers.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await allowPrivilegedPods(h.client);
});
afterAll(async () => {
  await h?.stop();
});

/**
 * A pod template using the fields orch implements (validation accepts, the agent runs;
 * api/validation/unimplemented-fields.ts refuses the others). Its hostPort and hostPath
 * need a privileged namespace: default is labelled so below.
 */
const podSpec = () => ({
  initContainers: [{ name: 'init', image: 'orch.local/busybox:1', command: ['true'], restartPolicy: 'Always', startupProbe: { exec: { command: ['true'] } } }],
  containers: [
    {
      name: 'web',
      image: 'orch.local/busybox:1',
      command: ['httpd', '-f'],
      args: ['-p', '8080'],
      workingDir: '/',
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP', hostPort: 18080 }],
      env: [
        { name: 'A', value: '1' },
        { name: 'CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a', optional: true } } },
        { name: 'S', valueFrom: { secretKeyRef: { name: 'sec', key: 'a', optional: true } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      ],
      envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'C_' }, { secretRef: { name: 'sec', optional: true } }],
      resources: { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '1', memory: '64Mi' } },
      volumeMounts: [
        { name: 'data', mountPath: '/data' },
        { name: 'cfg', mountPath: '/cfg', readOnly: true, subPath: 'a' },
      ],
      livenessProbe: { httpGet: { path: '/', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X', value: 'y' }] }, initialDelaySeconds: 1, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 },
      readinessProbe: { tcpSocket: { port: 8080 } },
      startupProbe: { grpc: { port: 9000, service: 'health' }, terminationGracePeriodSeconds: 5 },
      lifecycle: { postStart: { exec: { command: ['true'] } }, preStop: { sleep: { seconds: 1 } } },
      securityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true, privileged: false, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
    },
  ],
  volumes: [
    { name: 'data', emptyDir: {} },
    { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a', path: 'a', mode: 0o644 }], defaultMode: 0o644, optional: true } },
    { name: 'sec', secret: { secretName: 'sec', optional: true } },
    { name: 'host', hostPath: { path: '/tmp', type: 'DirectoryOrCreate' } },
    { name: 'proj', projected: { sources: [{ configMap: { name: 'cfg' } }, { secret: { name: 'sec' } }, { downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'metadata.name' } }] } }] } },
  ],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 10,
  nodeSelector: { disk: 'ssd' },
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] },
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } }],
    },
  },
  tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute', tolerationSeconds: 30 }],
  hostname: 'web',
  subdomain: 'web',
  dnsPolicy: 'None',
  dnsConfig: { nameservers: ['10.0.0.10'], searches: ['svc.cluster.local'], options: [{ name: 'ndots', value: '2' }] },
  enableServiceLinks: false,
  priority: 0,
  schedulerName: 'default-scheduler',
  securityContext: { runAsUser: 1000, supplementalGroups: [3000] },
});

async function create(path: string, body: unknown): Promise<void> {
  // Strict: a field of this test the schema lacks is already an error here.
  const res = await apiRequest(h.api, 'POST', `${path}?fieldValidation=Strict`, body);
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
}

describe('the schema model covers what orch stores', () => {
  test('every stored object of every kind has only fields its schema has', async () => {
    await create('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '1' }, binaryData: { b: 'eA==' } });
    await create('/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, type: 'Opaque', stringData: { a: 'x' } });
    await create('/api/v1/namespaces/default/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'np', port: 81, targetPort: 8080, protocol: 'TCP' }], type: 'NodePort', sessionAffinity: 'None' },
    });
    await create('/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    await create('/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' }, annotations: { note: 'x' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '50%', maxUnavailable: 0 } },
        minReadySeconds: 1,
        revisionHistoryLimit: 3,
        progressDeadlineSeconds: 60,
        template: { metadata: { labels: { app: 'web' } }, spec: podSpec() },
      },
    });
    // A bare pod with the agent's view of it: the status the agent computes and writes.
    await create('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare' }, spec: { ...podSpec(), nodeName: 'node-1' } });
    const bare = (await apiRequest<Pod>(h.api, 'GET', '/api/v1/namespaces/default/pods/bare')).body;
    const now = new Date().toISOString();
    const status = computePodStatus({
      pod: bare,
      observations: [
        {
          container: bare.spec.containers[0]!,
          restartCount: 1,
          current: { id: 'c2', name: 'c2', labels: {}, state: 'running', image: 'orch.local/busybox:1', imageId: 'sha256:abc', startedAt: now },
          previous: { id: 'c1', name: 'c1', labels: {}, state: 'exited', image: 'orch.local/busybox:1', imageId: 'sha256:abc', startedAt: now, finishedAt: now, exitCode: 137, oomKilled: true },
        },
      ],
      initObservations: [{ container: bare.spec.initContainers![0]!, restartCount: 0, current: { id: 'i1', name: 'i1', labels: {}, state: 'running', image: 'orch.local/busybox:1', imageId: 'sha256:abc', startedAt: now } }],
      hostIP: '10.0.0.1',
      podIPs: ['10.244.1.7'],
      now,
    });
    // Checked as computed too: the pod stand-in may rewrite the stored status meanwhile.
    expect(unknownFields(schemaModel(), 'io.k8s.api.core.v1.PodStatus', status)).toEqual([]);
    const put = await apiRequest(h.api, 'PATCH', '/api/v1/namespaces/default/pods/bare/status', { status }, { contentType: 'application/merge-patch+json' });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    // The node as an agent publishes it.
    const nodeStatus = buildNodeStatus(
      { nodeName: 'node-1', nodeIP: '10.0.0.1', hostname: 'h1', labels: {}, reservedCpuMillis: 100, reservedMemoryBytes: 1 << 28, maxPods: 110, logPort: 10250, agentVersion: 'test' },
      { ncpu: 2, memTotalBytes: 4 << 30, serverVersion: '20.10', kernelVersion: '6.1', operatingSystem: 'Debian', osType: 'linux', architecture: 'x86_64' },
      undefined,
      now,
    );
    expect(unknownFields(schemaModel(), 'io.k8s.api.core.v1.NodeStatus', nodeStatus)).toEqual([]);
    const nodePut = await apiRequest(h.api, 'PATCH', '/api/v1/nodes/node-1/status', { status: nodeStatus }, { contentType: 'application/merge-patch+json' });
    expect(nodePut.status, JSON.stringify(nodePut.body)).toBe(200);
    expect((await apiRequest(h.api, 'PATCH', '/api/v1/nodes/node-1', { spec: { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule', timeAdded: now }], unschedulable: true } }, { contentType: 'application/merge-patch+json' })).status).toBe(200);
    await create('/apis/coordination.k8s.io/v1/namespaces/default/leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l' },
      spec: { holderIdentity: 'h', leaseDurationSeconds: 15, acquireTime: '2026-01-01T00:00:00.000000Z', renewTime: '2026-01-01T00:00:00.000000Z', leaseTransitions: 1 },
    });

    // Storage: a bound pair as the binder leaves it (claimRef, volumeName, statuses), a class.
    await create('/apis/storage.k8s.io/v1/storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'sc', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'orch.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' });
    await create('/api/v1/persistentvolumes', {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pv' },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'sc',
        local: { path: '/mnt/pv' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] }] }] } },
        claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'default', name: 'pvc' },
      },
    });
    await create('/api/v1/namespaces/default/persistentvolumeclaims', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'pvc' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'pv', selector: { matchLabels: { a: 'b' } } } });
    const pvcPath = '/api/v1/namespaces/default/persistentvolumeclaims/pvc';
    const merge = { contentType: 'application/merge-patch+json' };
    expect((await apiRequest(h.api, 'PATCH', `${pvcPath}/status`, { status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } }, merge)).status).toBe(200);
    expect((await apiRequest(h.api, 'PATCH', '/api/v1/persistentvolumes/pv/status', { status: { phase: 'Bound', lastPhaseTransitionTime: '2026-01-01T00:00:00Z' } }, merge)).status).toBe(200);

    await create('/apis/policy/v1/namespaces/default/poddisruptionbudgets', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'pdb' },
      spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'web' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    });
    // A DaemonSet: the controller makes its ControllerRevision, a pod and the status.
    await create('/apis/apps/v1/namespaces/default/daemonsets', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', annotations: { 'kubernetes.io/change-cause': 'coverage' } },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 1 } },
        minReadySeconds: 1,
        revisionHistoryLimit: 2,
        template: { metadata: { labels: { app: 'agent' }, annotations: { a: 'b' } }, spec: podSpec() },
      },
    });
    // A StatefulSet: the controller makes its pod, a ControllerRevision and the status.
    await create('/apis/apps/v1/namespaces/default/statefulsets', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        replicas: 1,
        selector: { matchLabels: { app: 'db' } },
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 1 } },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' },
        minReadySeconds: 0,
        revisionHistoryLimit: 3,
        ordinals: { start: 0 },
        template: { metadata: { labels: { app: 'db' } }, spec: podSpec() },
      },
    });
    // batch/v1: a Job with every implemented field the controller runs, a CronJob it schedules.
    await create('/apis/batch/v1/namespaces/default/jobs', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'coverage-job' },
      spec: {
        completions: 2,
        parallelism: 1,
        activeDeadlineSeconds: 600,
        backoffLimit: 2,
        ttlSecondsAfterFinished: 600,
        completionMode: 'Indexed',
        podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } }, { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] },
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'orch.local/busybox:latest' }] } },
      },
    });
    await create('/apis/batch/v1/namespaces/default/cronjobs', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'coverage-cron' },
      spec: {
        schedule: '*/5 * * * *',
        timeZone: 'Europe/Berlin',
        startingDeadlineSeconds: 60,
        concurrencyPolicy: 'Forbid',
        jobTemplate: { metadata: { labels: { a: 'b' } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'orch.local/busybox:latest' }] } } } },
      },
    });
    // An autoscaler with every field set, and the status its controller writes.
    await create('/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'hpa' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 4,
        metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '64Mi' } } }],
        behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 15 }] }, scaleDown: { selectPolicy: 'Min', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } },
      },
    });
    const hpaPath = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/hpa';
    const hpa = (await apiRequest(h.api, 'GET', hpaPath)).body;
    hpa.status = {
      observedGeneration: 1,
      lastScaleTime: now,
      currentReplicas: 1,
      desiredReplicas: 2,
      currentMetrics: [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '80Mi', averageUtilization: 50 } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: now, reason: 'SucceededRescale', message: 'm' }],
    };
    const hpaPut = await apiRequest(h.api, 'PUT', `${hpaPath}/status`, hpa);
    expect(hpaPut.status, JSON.stringify(hpaPut.body)).toBe(200);
    // RBAC: the default ClusterRoles and ClusterRoleBindings exist; a Role and a RoleBinding.
    await create('/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'r' },
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods', 'pods/log'], resourceNames: ['p'] }],
    });
    await create('/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rb' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
      subjects: [{ kind: 'User', name: 'u' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'default' }],
    });
    // A CSR as the approver and signer leave it: approval condition, certificate.
    const csrPath = '/apis/certificates.k8s.io/v1/certificatesigningrequests/csr';
    await create('/apis/certificates.k8s.io/v1/certificatesigningrequests', {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: 'csr' },
      spec: { request: Buffer.from(createNodeCsr(newPrivateKeyPem(), 'n')).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], expirationSeconds: 3600 },
    });
    const csr = (await apiRequest(h.api, 'GET', csrPath)).body;
    const approved = await apiRequest(h.api, 'PUT', `${csrPath}/approval`, { ...csr, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'R', message: 'm' }] } });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const issued = await apiRequest(h.api, 'PUT', `${csrPath}/status`, { ...approved.body, status: { ...approved.body.status, certificate: Buffer.from(generateCA({ commonName: 'x', validDays: 1 }).certPem).toString('base64') } });
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    // Webhook configurations with every field orch implements; their rules match nothing this test writes.
    const hook = (name: string) => ({
      name,
      clientConfig: { url: 'https://127.0.0.1:1/validate', caBundle: Buffer.from(generateCA({ commonName: 'hook', validDays: 1 }).certPem).toString('base64') },
      rules: [{ operations: ['CREATE'], apiGroups: ['example.invalid'], apiVersions: ['v1'], resources: ['things', 'things/status'], scope: 'Namespaced' }],
      namespaceSelector: { matchLabels: { a: 'b' } },
      objectSelector: { matchExpressions: [{ key: 'x', operator: 'Exists' }] },
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
    });
    await create('/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'vwc' }, webhooks: [hook('v.coverage.example')],
    });
    await create('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'mwc' },
      webhooks: [{ ...hook('m.coverage.example'), clientConfig: { service: { namespace: 'default', name: 'hook', path: '/mutate' } }, reinvocationPolicy: 'IfNeeded' }],
    });
    // managedFields as server-side apply writes them.
    const applied = await apiRequest(h.api, 'PATCH', '/api/v1/namespaces/default/configmaps/applied?fieldManager=coverage&fieldValidation=Strict', undefined, {
      contentType: 'application/apply-patch+yaml',
      rawBody: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', labels: { a: 'b' } }, data: { k: 'v' } }),
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);

    // What the controllers make of them: ReplicaSets, pods, Endpoints, EndpointSlices, Events, statuses, PDB status.
    await eventually('the controllers\' objects (slices, pods, deployment conditions, events)', async () => {
      const slices = (await apiRequest(h.api, 'GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices')).body.items;
      const pods = (await apiRequest(h.api, 'GET', '/api/v1/namespaces/default/pods')).body.items;
      const deploy = (await apiRequest(h.api, 'GET', '/apis/apps/v1/namespaces/default/deployments/web')).body;
      const events = (await apiRequest(h.api, 'GET', '/api/v1/events')).body.items;
      expect(slices.length).toBeGreaterThan(0);
      expect(pods.length).toBeGreaterThanOrEqual(3);
      expect(deploy.status?.conditions?.length ?? 0).toBeGreaterThan(0);
      expect(events.length).toBeGreaterThan(0);
      expect((await apiRequest(h.api, 'GET', '/apis/apps/v1/namespaces/default/controllerrevisions')).body.items.length).toBeGreaterThan(0);
      expect((await apiRequest(h.api, 'GET', '/apis/apps/v1/namespaces/default/daemonsets/agent')).body.status?.observedGeneration).toBe(1);
      expect((await apiRequest(h.api, 'GET', '/apis/apps/v1/namespaces/default/statefulsets/db')).body.status?.observedGeneration).toBe(1);
      return true;
    });

    const model = schemaModel();
    const problems: string[] = [];
    let seen = 0;
    for (const r of RESOURCES) {
      const path = r.group ? `/apis/${r.group}/${r.version}/${r.plural}` : `/api/${r.version}/${r.plural}`;
      const list = await apiRequest<{ items: KubeObject[] }>(h.api, 'GET', path);
      expect(list.status).toBe(200);
      for (const obj of list.body.items) {
        seen++;
        for (const f of unknownFields(model, definitionName(r.group, r.version, r.kind), obj))
          problems.push(`${r.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}: ${f}`);
      }
    }
    expect(problems).toEqual([]);
    // Every kind was looked at, not just some.
    const kinds = new Set<string>();
    for (const r of RESOURCES) {
      const path = r.group ? `/apis/${r.group}/${r.version}/${r.plural}` : `/api/${r.version}/${r.plural}`;
      if ((await apiRequest(h.api, 'GET', path)).body.items.length > 0) kinds.add(r.kind);
    }
    expect([...kinds].sort()).toEqual(RESOURCES.map((r) => r.kind).sort());
    expect(seen).toBeGreaterThan(15);
  });
});
