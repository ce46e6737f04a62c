// Valid objects for validation tests; each test breaks one thing and checks the path.
// Not a test file itself (no .test suffix) and free of vitest, so the build may include it.

import type { StatusCause } from '../errors.js';
import { RESOURCES, type ResourceInfo } from '../resources.js';
import type { KubeObject } from '../types.js';

export const res = (kind: string): ResourceInfo => {
  const r = RESOURCES.find((x) => x.kind === kind);
  if (!r) throw new Error(`no resource ${kind}`);
  return r;
};

export type AnyObj = KubeObject & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const validPod = (): AnyObj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' }, annotations: { 'example.com/note': 'hi' } },
  spec: {
    containers: [
      {
        name: 'web',
        image: 'orch.local/web:latest',
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        env: [{ name: 'MODE', value: 'prod' }, { name: 'CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } }],
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
        readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 5 },
      },
      { name: 'side', image: 'orch.local/busybox:latest', command: ['sleep', '3600'] },
    ],
    volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'cfg' } }],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    nodeSelector: { disk: 'ssd' },
  },
});

export const validDeployment = (): AnyObj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web', tier: 'front' } }, spec: { containers: [{ name: 'web', image: 'orch.local/web:latest' }] } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
    minReadySeconds: 0,
  },
});

export const validReplicaSet = (): AnyObj => {
  const d = validDeployment();
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-abc', namespace: 'default' }, spec: { replicas: 2, selector: d.spec.selector, template: d.spec.template } };
};

export const validEndpointSlice = (): AnyObj => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'web-abc12', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  endpoints: [
    {
      addresses: ['10.244.1.7'],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: 'node-1',
      hostname: 'web-0',
      targetRef: { kind: 'Pod', name: 'web-0', namespace: 'default', uid: 'u1' },
    },
  ],
  ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
});

/** A valid object of every kind orch serves, by kind: what fuzz tests mutate. */
export const validStatefulSet = (): AnyObj => {
  const d = validDeployment();
  d.spec.template.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data' }];
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'default', generation: 2 },
    spec: {
      replicas: 3,
      selector: d.spec.selector,
      template: d.spec.template,
      serviceName: 'db',
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1, maxUnavailable: '50%' } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' },
      volumeClaimTemplates: [{ metadata: { name: 'data', labels: { tier: 'db' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local-path' } }],
      minReadySeconds: 5,
      revisionHistoryLimit: 3,
    },
    status: { replicas: 3, readyReplicas: 3, currentReplicas: 2, updatedReplicas: 1, availableReplicas: 3, observedGeneration: 2, currentRevision: 'db-a', updateRevision: 'db-b', collisionCount: 0 },
  };
};

export const validSamples: [string, () => AnyObj][] = [
  ['Pod', validPod],
  ['Deployment', validDeployment],
  ['ReplicaSet', validReplicaSet],
  [
    'DaemonSet',
    () => {
      const d = validDeployment();
      return {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'agent', namespace: 'default', generation: 2 },
        spec: { selector: d.spec.selector, template: d.spec.template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } }, minReadySeconds: 5, revisionHistoryLimit: 3 },
        status: { currentNumberScheduled: 2, numberMisscheduled: 0, desiredNumberScheduled: 2, numberReady: 2, observedGeneration: 2, updatedNumberScheduled: 2, numberAvailable: 2, numberUnavailable: 0, collisionCount: 1 },
      };
    },
  ],
  ['StatefulSet', validStatefulSet],
  ['ControllerRevision', () => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'agent-abc', namespace: 'default' }, data: { spec: { template: { $patch: 'replace', metadata: { labels: { app: 'web' } } } } }, revision: 3 })],
  ['Service', () => ({ metadata: { name: 's', namespace: 'default' }, spec: { selector: { a: 'b' }, ports: [{ name: 'p', port: 80, targetPort: 'http' }] } })],
  ['ConfigMap', () => ({ metadata: { name: 'c', namespace: 'default' }, data: { a: 'b' }, binaryData: { b: 'eA==' }, immutable: true })],
  ['Secret', () => ({ metadata: { name: 's', namespace: 'default' }, type: 'Opaque', data: { a: 'eA==' }, stringData: { b: 'y' } })],
  ['Node', () => ({ metadata: { name: 'n' }, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] }, status: { capacity: { cpu: '2' }, conditions: [{ type: 'Ready', status: 'True' }] } })],
  ['Namespace', () => ({ metadata: { name: 'ns' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } })],
  ['Lease', () => ({ metadata: { name: 'l', namespace: 'default' }, spec: { holderIdentity: 'h', leaseDurationSeconds: 15, renewTime: '2026-01-01T00:00:00Z' } })],
  ['Event', () => ({ metadata: { name: 'e', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p' }, type: 'Normal', count: 1 })],
  ['Endpoints', () => ({ metadata: { name: 'e', namespace: 'default' }, subsets: [{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 80 }] }] })],
  ['EndpointSlice', validEndpointSlice],
  [
    'PodDisruptionBudget',
    () => ({
      metadata: { name: 'pdb', namespace: 'default', generation: 2 },
      spec: { maxUnavailable: '25%', selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
      status: {
        observedGeneration: 2,
        disruptedPods: { 'web-1': '2026-01-01T00:00:00Z' },
        disruptionsAllowed: 1,
        currentHealthy: 3,
        desiredHealthy: 2,
        expectedPods: 3,
        conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 2, lastTransitionTime: '2026-01-01T00:00:00Z' }],
      },
    }),
  ],
  [
    'Job',
    () => ({
      metadata: { name: 'j', namespace: 'default' },
      spec: {
        completions: 3,
        parallelism: 2,
        backoffLimit: 1,
        backoffLimitPerIndex: 1,
        maxFailedIndexes: 1,
        successPolicy: { rules: [{ succeededIndexes: '0-1', succeededCount: 1 }] },
        managedBy: 'kubernetes.io/job-controller',
        activeDeadlineSeconds: 60,
        completionMode: 'Indexed',
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } },
        podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [1, 2] } }, { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] },
        template: { metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'u' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      },
      status: { active: 1, succeeded: 1, failed: 0, completedIndexes: '0', failedIndexes: '2', startTime: '2026-01-01T00:00:00Z', conditions: [{ type: 'Suspended', status: 'False', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
    }),
  ],
  [
    'CronJob',
    () => ({
      metadata: { name: 'cj', namespace: 'default' },
      spec: {
        schedule: '*/5 * * * *',
        timeZone: 'Europe/Berlin',
        startingDeadlineSeconds: 30,
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 2,
        jobTemplate: { metadata: { labels: { a: 'b' } }, spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
      },
      status: { lastScheduleTime: '2026-01-01T00:00:00Z', active: [{ kind: 'Job', name: 'cj-1', namespace: 'default', uid: 'u' }] },
    }),
  ],
  [
    'HorizontalPodAutoscaler',
    () => ({
      metadata: { name: 'hpa', namespace: 'default', generation: 1 },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '64Mi' } } },
        ],
        behavior: { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] }, scaleDown: { selectPolicy: 'Min', policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } },
      },
      status: {
        observedGeneration: 1,
        currentReplicas: 2,
        desiredReplicas: 3,
        lastScaleTime: '2026-01-01T00:00:00Z',
        currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 70, averageValue: '70m' } } }],
        conditions: [{ type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: 'm', lastTransitionTime: '2026-01-01T00:00:00Z' }],
      },
    }),
  ],
  [
    'ClusterRole',
    () => ({
      metadata: { name: 'system:x' },
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods', 'pods/log'], resourceNames: ['a'] }, { verbs: ['get'], nonResourceURLs: ['/healthz'] }],
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' }, matchExpressions: [{ key: 'k', operator: 'Exists' }] }] },
    }),
  ],
  [
    'RoleBinding',
    () => ({
      metadata: { name: 'b', namespace: 'default' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'u' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'default' }],
    }),
  ],
  [
    'ValidatingWebhookConfiguration',
    () => ({ metadata: { name: 'vwc' }, webhooks: [{
        name: 'v.test.example',
        clientConfig: { url: 'https://127.0.0.1:8443/hook', caBundle: 'TFMwdExTMUNSVWRKVGc9' },
        rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods', 'pods/status'], scope: 'Namespaced' }],
        failurePolicy: 'Fail',
        matchPolicy: 'Equivalent',
        namespaceSelector: { matchLabels: { a: 'b' } },
        objectSelector: { matchExpressions: [{ key: 'x', operator: 'In', values: ['y'] }] },
        sideEffects: 'None',
        timeoutSeconds: 5,
        admissionReviewVersions: ['v1'],
      }] }),
  ],
  [
    'MutatingWebhookConfiguration',
    () => ({ metadata: { name: 'mwc' }, webhooks: [{
        name: 'm.test.example',
        clientConfig: { service: { namespace: 'default', name: 'hook', path: '/m', port: 8443 } },
        rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods', 'pods/status'], scope: 'Namespaced' }],
        failurePolicy: 'Fail',
        matchPolicy: 'Equivalent',
        namespaceSelector: { matchLabels: { a: 'b' } },
        objectSelector: { matchExpressions: [{ key: 'x', operator: 'In', values: ['y'] }] },
        sideEffects: 'None',
        timeoutSeconds: 5,
        admissionReviewVersions: ['v1'],
        reinvocationPolicy: 'IfNeeded',
      }] }),
  ],
  [
    'CertificateSigningRequest',
    () => ({
      metadata: { name: 'node-csr-x' },
      spec: {
        request: Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n').toString('base64'),
        signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
        usages: ['digital signature', 'client auth'],
        expirationSeconds: 3600,
        username: 'system:bootstrap:abcdef',
        groups: ['system:bootstrappers'],
      },
      status: {
        conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'm', lastUpdateTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }],
        certificate: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64'),
      },
    }),
  ],
  [
    'PersistentVolume',
    () => ({
      metadata: { name: 'pv' },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: 'local-path',
        volumeMode: 'Filesystem',
        local: { path: '/mnt/disk' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['h1'] }] }] } },
        claimRef: { namespace: 'default', name: 'c', uid: 'u' },
      },
    }),
  ],
  [
    'PersistentVolumeClaim',
    () => ({
      metadata: { name: 'c', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' }, limits: { storage: '2Gi' } }, selector: { matchLabels: { a: 'b' } }, storageClassName: 'x', volumeName: 'pv', volumeMode: 'Filesystem' },
    }),
  ],
  ['StorageClass', () => ({ metadata: { name: 'sc' }, provisioner: 'orch.io/local-path', parameters: { a: 'b' }, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: false })],
];

/** Fails unless `list` holds a cause with this field and reason (and message pattern). */
export function expectCause(list: StatusCause[], field: string, reason: string, msg?: RegExp): void {
  const hit = list.find((c) => c.field === field && c.reason === reason && (!msg || msg.test(c.message)));
  if (!hit) throw new Error(`expected ${reason} at ${field}${msg ? ` matching ${msg}` : ''}; got ${JSON.stringify(list, null, 1)}`);
}
