// "A field orch accepts is a field orch implements": the reviewed list of every field of
// every object a client may write, each either implemented (true) or refused with why.
// The list was made by reading the schema of each served kind (api/schema/, built from
// apiserver/protobuf/schema/) against what the agent, scheduler, controllers and proxy
// really do with a field. A refused field set to anything but its zero value (or a value
// listed in `unless`, such as the defaults orch itself fills in) is a 422:
//   spec.volumes[0].csi: Forbidden: not implemented by orch: csi volumes (the agent mounts emptyDir, hostPath, nfs, configMap, …)
// apiserver/routes/unimplemented-fields.test.ts walks the schema model and fails naming
// any field this list does not classify, so a field added to a schema must be decided here.
//
// Status is what orch's own components report: kinds' `status` fields are not walked.
// An update refuses only what it changes: a field already stored (before this list
// existed) does not block label patches or status writes (ratcheting, as Kubernetes does
// when a validation tightens).

import type { StatusCause } from '../errors.js';
import type { FieldType, SchemaModel, TypeSchema } from '../schema/model.js';
import { deepEqual } from '../meta.js';

/** Refused unless the value is zero or deep-equal to one of `unless`. */
export interface Refused {
  why: string;
  unless?: readonly unknown[];
}
export type Support = true | Refused;

const no = (why: string, unless?: readonly unknown[]): Refused => (unless ? { why, unless } : { why });
const NO_VOLUME = (type: string) => no(`${type} volumes (the agent mounts emptyDir, hostPath, nfs, configMap, secret, projected and persistentVolumeClaim volumes)`);
const NO_PV = (type: string) => no(`${type} PersistentVolumes (orch's are hostPath, local and nfs)`);
const all = (...names: string[]): Record<string, Support> => Object.fromEntries(names.map((n) => [n, true]));

/**
 * Short definition names ('core.v1.PodSpec', 'meta.v1.ObjectMeta') → field → support.
 * Data kinds (Event, Lease, Endpoints, EndpointSlice, ConfigMap, Secret) are stored and
 * served as written: their fields are all implemented by being kept.
 */
export const FIELD_SUPPORT: Record<string, Record<string, Support>> = {
  // ---- metadata and shared types
  'meta.v1.ObjectMeta': all('name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields'),
  'meta.v1.ManagedFieldsEntry': all('manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource'),
  'meta.v1.OwnerReference': all('apiVersion', 'kind', 'name', 'uid', 'controller', 'blockOwnerDeletion'),
  'meta.v1.LabelSelector': all('matchLabels', 'matchExpressions'),
  'meta.v1.LabelSelectorRequirement': all('key', 'operator', 'values'),
  'core.v1.ObjectReference': all('kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'),
  'core.v1.LocalObjectReference': all('name'),

  // ---- workloads
  'apps.v1.Deployment': all('apiVersion', 'kind', 'metadata', 'spec', 'status'),
  'apps.v1.DeploymentSpec': all('replicas', 'selector', 'template', 'strategy', 'minReadySeconds', 'revisionHistoryLimit', 'paused', 'progressDeadlineSeconds'),
  'apps.v1.DeploymentStrategy': all('type', 'rollingUpdate'),
  'apps.v1.RollingUpdateDeployment': all('maxUnavailable', 'maxSurge'),
  'apps.v1.ReplicaSet': all('apiVersion', 'kind', 'metadata', 'spec', 'status'),
  'apps.v1.ReplicaSetSpec': all('replicas', 'minReadySeconds', 'selector', 'template'),
  // controller/daemonset/ and controller/history/
  'apps.v1.DaemonSet': all('apiVersion', 'kind', 'metadata', 'spec', 'status'),
  'apps.v1.DaemonSetSpec': all('selector', 'template', 'updateStrategy', 'minReadySeconds', 'revisionHistoryLimit'),
  'apps.v1.DaemonSetUpdateStrategy': all('type', 'rollingUpdate'),
  'apps.v1.RollingUpdateDaemonSet': all('maxUnavailable', 'maxSurge'),
  // controller/statefulset/
  'apps.v1.StatefulSet': all('apiVersion', 'kind', 'metadata', 'spec', 'status'),
  'apps.v1.StatefulSetSpec': all('replicas', 'selector', 'template', 'volumeClaimTemplates', 'serviceName', 'podManagementPolicy', 'updateStrategy', 'revisionHistoryLimit', 'minReadySeconds', 'persistentVolumeClaimRetentionPolicy', 'ordinals'),
  'apps.v1.StatefulSetUpdateStrategy': all('type', 'rollingUpdate'),
  'apps.v1.RollingUpdateStatefulSetStrategy': all('partition', 'maxUnavailable'),
  'apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy': all('whenDeleted', 'whenScaled'),
  'apps.v1.StatefulSetOrdinals': { start: no('ordinals.start: orch numbers replicas from 0') },
  'apps.v1.ControllerRevision': all('apiVersion', 'kind', 'metadata', 'data', 'revision'),
  'policy.v1.PodDisruptionBudget': all('apiVersion', 'kind', 'metadata', 'spec', 'status'),
  'policy.v1.PodDisruptionBudgetSpec': all('minAvailable', 'selector', 'maxUnavailable', 'unhealthyPodEvictionPolicy'),
  'core.v1.PodTemplateSpec': all('metadata', 'spec'),
  // batch/v1 (controller/job, controller/cronjob)
  'batch.v1.Job': all('apiVersion', 'kind', 'metadata', 'spec', 'status'),
  'batch.v1.JobSpec': {
    ...all('parallelism', 'completions', 'activeDeadlineSeconds', 'podFailurePolicy', 'backoffLimit', 'selector', 'manualSelector', 'template', 'ttlSecondsAfterFinished', 'completionMode', 'suspend', 'podReplacementPolicy', 'successPolicy', 'backoffLimitPerIndex', 'maxFailedIndexes', 'managedBy'),
  },
  'batch.v1.PodFailurePolicy': all('rules'),
  'batch.v1.PodFailurePolicyRule': all('action', 'onExitCodes', 'onPodConditions'),
  'batch.v1.PodFailurePolicyOnExitCodesRequirement': all('containerName', 'operator', 'values'),
  'batch.v1.PodFailurePolicyOnPodConditionsPattern': all('type', 'status'),
  'batch.v1.SuccessPolicy': all('rules'),
  'batch.v1.SuccessPolicyRule': all('succeededIndexes', 'succeededCount'),
  'batch.v1.CronJob': all('apiVersion', 'kind', 'metadata', 'spec', 'status'),
  'batch.v1.CronJobSpec': all('schedule', 'timeZone', 'startingDeadlineSeconds', 'concurrencyPolicy', 'suspend', 'jobTemplate', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit'),
  'batch.v1.JobTemplateSpec': all('metadata', 'spec'),

  // ---- autoscaling (controller/hpa): Resource metrics of pods (cpu, memory) are what orch
  // measures; validation refuses the other metric types with their field (api/validation/hpa.ts).
  'autoscaling.v2.HorizontalPodAutoscaler': all('apiVersion', 'kind', 'metadata', 'spec', 'status'),
  'autoscaling.v2.HorizontalPodAutoscalerSpec': all('scaleTargetRef', 'minReplicas', 'maxReplicas', 'metrics', 'behavior'),
  'autoscaling.v2.CrossVersionObjectReference': all('kind', 'name', 'apiVersion'),
  'autoscaling.v2.MetricSpec': {
    ...all('type', 'resource'),
    pods: no('Pods metrics (custom metrics API): orch measures cpu and memory only'),
    object: no('Object metrics (custom metrics API): orch measures cpu and memory only'),
    external: no('External metrics (external metrics API)'),
    containerResource: no('ContainerResource metrics: orch scales on the whole pod\'s usage (type Resource)'),
  },
  'autoscaling.v2.ResourceMetricSource': all('name', 'target'),
  'autoscaling.v2.MetricTarget': all('type', 'value', 'averageValue', 'averageUtilization'),
  'autoscaling.v2.HorizontalPodAutoscalerBehavior': all('scaleUp', 'scaleDown'),
  'autoscaling.v2.HPAScalingRules': all('stabilizationWindowSeconds', 'selectPolicy', 'policies'),
  'autoscaling.v2.HPAScalingPolicy': all('type', 'value', 'periodSeconds'),
  // Reached only through the refused metric sources above.
  'autoscaling.v2.PodsMetricSource': {},
  'autoscaling.v2.ObjectMetricSource': {},
  'autoscaling.v2.ExternalMetricSource': {},
  'autoscaling.v2.ContainerResourceMetricSource': {},
  'autoscaling.v2.MetricIdentifier': {},

  // ---- service accounts (apiserver/admission/service-account.ts, apiserver/authentication/)
  'core.v1.ServiceAccount': {
    ...all('apiVersion', 'kind', 'metadata', 'automountServiceAccountToken'),
    secrets: no('the secrets of a ServiceAccount: orch issues bound tokens (TokenRequest), never long-lived token Secrets'),
    imagePullSecrets: no('image pull secrets: agents pull without registry credentials'),
  },

  // ---- RBAC (apiserver/authorization/rbac/): every field is read by the authorizer or the aggregation controller
  'rbac.v1.Role': all('apiVersion', 'kind', 'metadata', 'rules'),
  'rbac.v1.ClusterRole': all('apiVersion', 'kind', 'metadata', 'rules', 'aggregationRule'),
  'rbac.v1.RoleBinding': all('apiVersion', 'kind', 'metadata', 'subjects', 'roleRef'),
  'rbac.v1.ClusterRoleBinding': all('apiVersion', 'kind', 'metadata', 'subjects', 'roleRef'),
  'rbac.v1.PolicyRule': all('verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'),
  'rbac.v1.AggregationRule': all('clusterRoleSelectors'),
  'rbac.v1.Subject': all('kind', 'apiGroup', 'name', 'namespace'),
  'rbac.v1.RoleRef': all('apiGroup', 'kind', 'name'),

  // ---- node credentials (controller/csr-approving, csr-signing). The requester fields
  // (username, uid, groups) are always the server's, whatever a client sends, as in Kubernetes.
  'certificates.v1.CertificateSigningRequest': all('apiVersion', 'kind', 'metadata', 'spec', 'status'),
  'certificates.v1.CertificateSigningRequestSpec': all('request', 'signerName', 'expirationSeconds', 'usages', 'username', 'uid', 'groups'),
  'certificates.v1.CertificateSigningRequestStatus': all('conditions', 'certificate'),
  'certificates.v1.CertificateSigningRequestCondition': all('type', 'status', 'reason', 'message', 'lastUpdateTime', 'lastTransitionTime'),

  // ---- admission webhooks (apiserver/webhooks/). matchConditions are CEL, which orch
  // does not evaluate: validation refuses them first with its own message.
  'admissionregistration.v1.ValidatingWebhookConfiguration': all('apiVersion', 'kind', 'metadata', 'webhooks'),
  'admissionregistration.v1.MutatingWebhookConfiguration': all('apiVersion', 'kind', 'metadata', 'webhooks'),
  'admissionregistration.v1.ValidatingWebhook': {
    ...all('name', 'clientConfig', 'rules', 'failurePolicy', 'matchPolicy', 'namespaceSelector', 'objectSelector', 'sideEffects', 'timeoutSeconds', 'admissionReviewVersions'),
    matchConditions: no('matchConditions (CEL expressions); narrow the webhook with rules, namespaceSelector and objectSelector'),
  },
  'admissionregistration.v1.MutatingWebhook': {
    ...all('name', 'clientConfig', 'rules', 'failurePolicy', 'matchPolicy', 'namespaceSelector', 'objectSelector', 'sideEffects', 'timeoutSeconds', 'admissionReviewVersions', 'reinvocationPolicy'),
    matchConditions: no('matchConditions (CEL expressions); narrow the webhook with rules, namespaceSelector and objectSelector'),
  },
  'admissionregistration.v1.MatchCondition': all('name', 'expression'),
  'admissionregistration.v1.RuleWithOperations': all('operations', 'apiGroups', 'apiVersions', 'resources', 'scope'),
  'admissionregistration.v1.WebhookClientConfig': all('url', 'service', 'caBundle'),
  'admissionregistration.v1.ServiceReference': all('namespace', 'name', 'path', 'port'),

  // ---- pods
  'core.v1.Pod': all('apiVersion', 'kind', 'metadata', 'spec', 'status'),
  'core.v1.PodSpec': {
    ...all('volumes', 'initContainers', 'containers', 'restartPolicy', 'terminationGracePeriodSeconds', 'dnsPolicy', 'nodeSelector', 'nodeName', 'hostNetwork', 'hostPID', 'hostIPC', 'securityContext', 'hostname', 'subdomain', 'affinity', 'schedulerName', 'tolerations', 'priority', 'dnsConfig', 'enableServiceLinks'),
    // Set by the service-accounts admission (token projected volume); the agent mounts it.
    ...all('serviceAccountName', 'serviceAccount', 'automountServiceAccountToken'),
    ephemeralContainers: no('ephemeral containers (kubectl debug)'),
    activeDeadlineSeconds: no('activeDeadlineSeconds: no component stops a pod after its deadline'),
    shareProcessNamespace: no('a shared process namespace between the containers of a pod'),
    imagePullSecrets: no('image pull secrets: agents pull without registry credentials'),
    hostAliases: no('hostAliases: the agent does not write /etc/hosts entries'),
    priorityClassName: no('PriorityClasses (set spec.priority instead)'),
    readinessGates: no('readiness gates'),
    runtimeClassName: no('RuntimeClasses: every pod runs on the node\'s Docker engine'),
    preemptionPolicy: no('preemption: the scheduler never evicts pods to place others'),
    overhead: no('pod overhead (RuntimeClasses)'),
    topologySpreadConstraints: no('topologySpreadConstraints: the scheduler spreads pods of one owner across nodes, without constraints'),
    setHostnameAsFQDN: no('setHostnameAsFQDN'),
    os: no('spec.os other than linux', [{ name: 'linux' }]),
    hostUsers: no('user namespaces (hostUsers: false)', [true]),
    schedulingGates: no('scheduling gates'),
    resourceClaims: no('dynamic resource allocation (resourceClaims)'),
    resources: no('pod-level resources: set them per container'),
  },
  'core.v1.Container': {
    ...all('name', 'image', 'command', 'args', 'workingDir', 'ports', 'envFrom', 'env', 'resources', 'restartPolicy', 'volumeMounts', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty'),
    resizePolicy: no('in-place resize of container resources'),
    volumeDevices: no('raw block volumes (volumeDevices)'),
    terminationMessagePath: no('termination messages: the agent reads no termination message file', ['/dev/termination-log']),
    terminationMessagePolicy: no('termination messages: the agent reads no termination message file', ['File']),
  },
  // Reached only through PodSpec.ephemeralContainers, which is refused.
  'core.v1.EphemeralContainer': {},
  'core.v1.ContainerPort': all('name', 'hostPort', 'containerPort', 'protocol', 'hostIP'),
  'core.v1.EnvVar': all('name', 'value', 'valueFrom'),
  'core.v1.EnvVarSource': { ...all('fieldRef', 'configMapKeyRef', 'secretKeyRef'), resourceFieldRef: no('resourceFieldRef environment variables') },
  'core.v1.ObjectFieldSelector': all('apiVersion', 'fieldPath'),
  'core.v1.ConfigMapKeySelector': all('name', 'key', 'optional'),
  'core.v1.SecretKeySelector': all('name', 'key', 'optional'),
  'core.v1.EnvFromSource': all('prefix', 'configMapRef', 'secretRef'),
  'core.v1.ConfigMapEnvSource': all('name', 'optional'),
  'core.v1.SecretEnvSource': all('name', 'optional'),
  'core.v1.ResourceRequirements': { ...all('limits', 'requests'), claims: no('dynamic resource allocation (resources.claims)') },
  'core.v1.VolumeMount': {
    ...all('name', 'readOnly', 'mountPath', 'subPath'),
    recursiveReadOnly: no('recursiveReadOnly', ['Disabled']),
    mountPropagation: no('mount propagation other than None', ['None']),
    subPathExpr: no('subPathExpr (use subPath)'),
  },
  'core.v1.Probe': all('exec', 'httpGet', 'tcpSocket', 'grpc', 'initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds'),
  'core.v1.Lifecycle': all('postStart', 'preStop'),
  'core.v1.LifecycleHandler': all('exec', 'httpGet', 'tcpSocket', 'sleep'),
  'core.v1.ExecAction': all('command'),
  'core.v1.HTTPGetAction': all('path', 'port', 'host', 'scheme', 'httpHeaders'),
  'core.v1.HTTPHeader': all('name', 'value'),
  'core.v1.TCPSocketAction': all('port', 'host'),
  'core.v1.GRPCAction': all('port', 'service'),
  'core.v1.SleepAction': all('seconds'),
  // What the agent applies to Docker (agent/security-context.ts).
  'core.v1.SecurityContext': {
    ...all('capabilities', 'privileged', 'runAsUser', 'runAsGroup', 'runAsNonRoot', 'readOnlyRootFilesystem', 'allowPrivilegeEscalation', 'seccompProfile'),
    seLinuxOptions: no('SELinux options'),
    windowsOptions: no('Windows options: orch runs Linux containers'),
    procMount: no('procMount other than Default', ['Default']),
    appArmorProfile: no('AppArmor profiles other than RuntimeDefault', [{ type: 'RuntimeDefault' }]),
  },
  'core.v1.PodSecurityContext': {
    ...all('runAsUser', 'runAsGroup', 'runAsNonRoot', 'supplementalGroups', 'seccompProfile'),
    seLinuxOptions: no('SELinux options'),
    windowsOptions: no('Windows options: orch runs Linux containers'),
    supplementalGroupsPolicy: no('supplementalGroupsPolicy other than Merge', ['Merge']),
    fsGroup: no('fsGroup: the agent does not change the group of volume files'),
    fsGroupChangePolicy: no('fsGroup: the agent does not change the group of volume files'),
    sysctls: no('pod sysctls'),
    appArmorProfile: no('AppArmor profiles other than RuntimeDefault', [{ type: 'RuntimeDefault' }]),
    seLinuxChangePolicy: no('SELinux options'),
  },
  'core.v1.Capabilities': all('add', 'drop'),
  'core.v1.SeccompProfile': { type: true, localhostProfile: no('Localhost seccomp profiles (use RuntimeDefault)') },
  'core.v1.SELinuxOptions': {},
  'core.v1.WindowsSecurityContextOptions': {},
  'core.v1.AppArmorProfile': all('type', 'localhostProfile'),
  'core.v1.Sysctl': {},
  'core.v1.Toleration': all('key', 'operator', 'value', 'effect', 'tolerationSeconds'),
  'core.v1.PodDNSConfig': all('nameservers', 'searches', 'options'),
  'core.v1.PodDNSConfigOption': all('name', 'value'),
  'core.v1.Affinity': {
    nodeAffinity: true,
    podAffinity: no('pod affinity: the scheduler has node affinity only'),
    podAntiAffinity: no('pod anti-affinity: the scheduler has node affinity only'),
  },
  'core.v1.NodeAffinity': all('requiredDuringSchedulingIgnoredDuringExecution', 'preferredDuringSchedulingIgnoredDuringExecution'),
  'core.v1.NodeSelector': all('nodeSelectorTerms'),
  'core.v1.NodeSelectorTerm': all('matchExpressions', 'matchFields'),
  'core.v1.NodeSelectorRequirement': all('key', 'operator', 'values'),
  'core.v1.PreferredSchedulingTerm': all('weight', 'preference'),
  // Reached only through refused fields.
  ...Object.fromEntries(
    ['PodAffinity', 'PodAntiAffinity', 'PodAffinityTerm', 'WeightedPodAffinityTerm', 'TopologySpreadConstraint', 'HostAlias', 'PodReadinessGate', 'PodOS', 'PodSchedulingGate', 'PodResourceClaim', 'ResourceClaim', 'ContainerResizePolicy', 'VolumeDevice', 'ResourceFieldSelector'].map((t) => [`core.v1.${t}`, {}]),
  ),

  // ---- volumes
  'core.v1.Volume': {
    ...all('name', 'hostPath', 'emptyDir', 'secret', 'configMap', 'projected', 'persistentVolumeClaim', 'nfs'),
    gcePersistentDisk: NO_VOLUME('gcePersistentDisk'),
    awsElasticBlockStore: NO_VOLUME('awsElasticBlockStore'),
    gitRepo: NO_VOLUME('gitRepo'),
    iscsi: NO_VOLUME('iscsi'),
    glusterfs: NO_VOLUME('glusterfs'),
    rbd: NO_VOLUME('rbd'),
    flexVolume: NO_VOLUME('flexVolume'),
    cinder: NO_VOLUME('cinder'),
    cephfs: NO_VOLUME('cephfs'),
    flocker: NO_VOLUME('flocker'),
    downwardAPI: NO_VOLUME('downwardAPI'),
    fc: NO_VOLUME('fc'),
    azureFile: NO_VOLUME('azureFile'),
    vsphereVolume: NO_VOLUME('vsphereVolume'),
    quobyte: NO_VOLUME('quobyte'),
    azureDisk: NO_VOLUME('azureDisk'),
    photonPersistentDisk: NO_VOLUME('photonPersistentDisk'),
    portworxVolume: NO_VOLUME('portworxVolume'),
    scaleIO: NO_VOLUME('scaleIO'),
    storageos: NO_VOLUME('storageos'),
    csi: NO_VOLUME('csi'),
    ephemeral: NO_VOLUME('ephemeral'),
    image: NO_VOLUME('image'),
  },
  'core.v1.PersistentVolumeClaimVolumeSource': all('claimName', 'readOnly'),
  'core.v1.NFSVolumeSource': all('server', 'path', 'readOnly'),
  'core.v1.HostPathVolumeSource': {
    path: true,
    // Docker creates a missing directory for a bind: DirectoryOrCreate is what the agent does.
    type: no('hostPath types other than DirectoryOrCreate (the agent does not check what the path is)', ['DirectoryOrCreate']),
  },
  'core.v1.EmptyDirVolumeSource': {
    medium: no('emptyDir media other than the node\'s disk', ['']),
    sizeLimit: no('emptyDir size limits'),
  },
  'core.v1.ConfigMapVolumeSource': all('name', 'items', 'defaultMode', 'optional'),
  'core.v1.SecretVolumeSource': all('secretName', 'items', 'defaultMode', 'optional'),
  'core.v1.KeyToPath': all('key', 'path', 'mode'),
  // The service-accounts admission's token volume: serviceAccountToken, the CA (configMap) and the namespace (downwardAPI).
  'core.v1.ProjectedVolumeSource': all('sources', 'defaultMode'),
  'core.v1.VolumeProjection': { ...all('secret', 'downwardAPI', 'configMap', 'serviceAccountToken'), clusterTrustBundle: no('clusterTrustBundle projections') },
  'core.v1.SecretProjection': all('name', 'items', 'optional'),
  'core.v1.ConfigMapProjection': all('name', 'items', 'optional'),
  'core.v1.DownwardAPIProjection': all('items'),
  'core.v1.DownwardAPIVolumeFile': { ...all('path', 'fieldRef', 'mode'), resourceFieldRef: no('resourceFieldRef files') },
  'core.v1.ServiceAccountTokenProjection': all('audience', 'expirationSeconds', 'path'),
  ...Object.fromEntries(
    [
      'GCEPersistentDiskVolumeSource', 'AWSElasticBlockStoreVolumeSource', 'GitRepoVolumeSource', 'ISCSIVolumeSource', 'GlusterfsVolumeSource',
      'RBDVolumeSource', 'FlexVolumeSource', 'CinderVolumeSource', 'CephFSVolumeSource', 'FlockerVolumeSource', 'DownwardAPIVolumeSource',
      'FCVolumeSource', 'AzureFileVolumeSource', 'VsphereVirtualDiskVolumeSource', 'QuobyteVolumeSource', 'AzureDiskVolumeSource', 'PhotonPersistentDiskVolumeSource',
      'PortworxVolumeSource', 'ScaleIOVolumeSource', 'StorageOSVolumeSource', 'CSIVolumeSource', 'EphemeralVolumeSource', 'ImageVolumeSource', 'ClusterTrustBundleProjection',
      'PersistentVolumeClaimTemplate', 'TypedObjectReference', 'TypedLocalObjectReference',
    ].map((t) => [`core.v1.${t}`, {}]),
  ),

  // ---- storage (api/storage/, controller/persistent-volume/, the scheduler's volume binding, agent/claim-volumes.ts)
  'core.v1.PersistentVolume': all('apiVersion', 'kind', 'metadata', 'spec', 'status'),
  'core.v1.PersistentVolumeSpec': {
    ...all('capacity', 'accessModes', 'claimRef', 'persistentVolumeReclaimPolicy', 'storageClassName', 'volumeMode', 'nodeAffinity', 'hostPath', 'local', 'nfs', 'mountOptions'),
    volumeAttributesClassName: no('VolumeAttributesClasses'),
    // Refused by validation as well (its message names orch's three types).
    ...Object.fromEntries(['gcePersistentDisk', 'awsElasticBlockStore', 'fc', 'flocker', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume'].map((k) => [k, NO_PV(k)])),
  },
  'core.v1.LocalVolumeSource': { path: true, fsType: no('local block devices formatted on first use (fsType)') },
  'core.v1.VolumeNodeAffinity': all('required'),
  'core.v1.PersistentVolumeClaim': all('apiVersion', 'kind', 'metadata', 'spec', 'status'),
  'core.v1.PersistentVolumeClaimSpec': {
    ...all('accessModes', 'selector', 'resources', 'volumeName', 'storageClassName', 'volumeMode'),
    dataSource: no('claims populated from a data source (dataSource)'),
    dataSourceRef: no('claims populated from a data source (dataSourceRef)'),
    volumeAttributesClassName: no('VolumeAttributesClasses'),
  },
  'core.v1.VolumeResourceRequirements': all('requests', 'limits'),
  'storage.v1.StorageClass': {
    ...all('apiVersion', 'kind', 'metadata', 'provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode'),
    allowVolumeExpansion: no('volume expansion (allowVolumeExpansion)'),
    mountOptions: no('mount options of provisioned volumes (the local-path provisioner bind-mounts a directory)'),
    allowedTopologies: no('allowedTopologies: provisioned volumes go to the node the scheduler chose'),
  },
  'core.v1.TopologySelectorTerm': {},
  'core.v1.TopologySelectorLabelRequirement': {},

  // ---- services and endpoints
  'core.v1.Service': all('apiVersion', 'kind', 'metadata', 'spec', 'status'),
  'core.v1.ServiceSpec': {
    ...all('ports', 'selector', 'clusterIP', 'clusterIPs', 'type', 'externalIPs', 'sessionAffinity', 'externalName', 'externalTrafficPolicy', 'healthCheckNodePort', 'publishNotReadyAddresses', 'sessionAffinityConfig', 'ipFamilies', 'ipFamilyPolicy', 'allocateLoadBalancerNodePorts', 'internalTrafficPolicy'),
    loadBalancerIP: no('cloud load balancers (loadBalancerIP)'),
    loadBalancerSourceRanges: no('cloud load balancers (loadBalancerSourceRanges)'),
    loadBalancerClass: no('cloud load balancers (loadBalancerClass)'),
    trafficDistribution: no('topology-aware routing (trafficDistribution)'),
  },
  'core.v1.ServicePort': all('name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort'),
  'core.v1.SessionAffinityConfig': all('clientIP'),
  'core.v1.ClientIPConfig': all('timeoutSeconds'),
  'core.v1.Endpoints': all('apiVersion', 'kind', 'metadata', 'subsets'),
  'core.v1.EndpointSubset': all('addresses', 'notReadyAddresses', 'ports'),
  'core.v1.EndpointAddress': all('ip', 'hostname', 'nodeName', 'targetRef'),
  'core.v1.EndpointPort': all('name', 'port', 'protocol', 'appProtocol'),
  'discovery.v1.EndpointSlice': all('apiVersion', 'kind', 'metadata', 'addressType', 'endpoints', 'ports'),
  'discovery.v1.Endpoint': all('addresses', 'conditions', 'hostname', 'targetRef', 'deprecatedTopology', 'nodeName', 'zone', 'hints'),
  'discovery.v1.EndpointConditions': all('ready', 'serving', 'terminating'),
  'discovery.v1.EndpointHints': all('forZones'),
  'discovery.v1.ForZone': all('name'),
  'discovery.v1.EndpointPort': all('name', 'protocol', 'port', 'appProtocol'),

  // ---- configuration and cluster objects
  'core.v1.ConfigMap': all('apiVersion', 'kind', 'metadata', 'immutable', 'data', 'binaryData'),
  'core.v1.Secret': all('apiVersion', 'kind', 'metadata', 'immutable', 'data', 'stringData', 'type'),
  'core.v1.Event': all('apiVersion', 'kind', 'metadata', 'involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type', 'eventTime', 'series', 'action', 'related', 'reportingComponent', 'reportingInstance'),
  'core.v1.EventSource': all('component', 'host'),
  'core.v1.EventSeries': all('count', 'lastObservedTime'),
  'coordination.v1.Lease': all('apiVersion', 'kind', 'metadata', 'spec'),
  'coordination.v1.LeaseSpec': {
    ...all('holderIdentity', 'leaseDurationSeconds', 'acquireTime', 'renewTime', 'leaseTransitions'),
    strategy: no('coordinated leader election (Lease strategy)'),
    preferredHolder: no('coordinated leader election (Lease preferredHolder)'),
  },
  'core.v1.Namespace': all('apiVersion', 'kind', 'metadata', 'spec', 'status'),
  'core.v1.NamespaceSpec': all('finalizers'),
  'core.v1.Node': all('apiVersion', 'kind', 'metadata', 'spec', 'status'),
  'core.v1.NodeSpec': { ...all('podCIDR', 'podCIDRs', 'providerID', 'unschedulable', 'taints', 'externalID'), configSource: no('dynamic kubelet configuration (configSource)') },
  'core.v1.NodeConfigSource': {},
  'core.v1.ConfigMapNodeConfigSource': {},
  'core.v1.Taint': all('key', 'value', 'effect', 'timeAdded'),
};

const PREFIXES: [string, string][] = [
  ['io.k8s.apimachinery.pkg.apis.', ''],
  ['io.k8s.api.', ''],
];

/** 'io.k8s.api.core.v1.PodSpec' → 'core.v1.PodSpec' (the keys of FIELD_SUPPORT). */
export function shortName(definition: string): string {
  for (const [p, r] of PREFIXES) if (definition.startsWith(p)) return r + definition.slice(p.length);
  return definition;
}

/** null, false, 0, '', [] and {}: what a client sends when it does not use a field. */
function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Where a refused field was found and why; `value` for ratcheting updates. */
interface Found {
  field: string;
  value: unknown;
  why: string;
}

function walk(model: SchemaModel, typeName: string, value: unknown): Found[] {
  const out: Found[] = [];
  const walkType = (t: FieldType, v: unknown, path: string): void => {
    if (t.kind === 'ref') {
      const def = model.types.get(t.name);
      if (def) walkObject(def, v, path);
    } else if (t.kind === 'array' && Array.isArray(v)) v.forEach((item, i) => walkType(t.items, item, `${path}[${i}]`));
    else if (t.kind === 'map' && isObject(v)) for (const [k, item] of Object.entries(v)) walkType(t.values, item, `${path}[${k}]`);
  };
  const walkObject = (def: TypeSchema, v: unknown, path: string): void => {
    if (def.primitive || !isObject(v)) return;
    const support = FIELD_SUPPORT[shortName(def.name)];
    // The root kind's status is reported by orch's components, not a client's request.
    const root = path === '';
    for (const [k, item] of Object.entries(v)) {
      const f = Object.hasOwn(def.fields, k) ? def.fields[k] : undefined;
      if (!f || (root && k === 'status')) continue;
      const p = path ? `${path}.${k}` : k;
      const s = support && Object.hasOwn(support, k) ? support[k] : undefined;
      if (s !== undefined && s !== true) {
        if (!isZero(item) && !(s.unless ?? []).some((u) => deepEqual(u, item))) out.push({ field: p, value: item, why: s.why });
        continue;
      }
      walkType(f.type, item, p);
    }
  };
  const root = model.types.get(typeName);
  if (root) walkObject(root, value, '');
  return out;
}

/**
 * The fields of `obj` (an object of the definition `typeName`) that orch does not
 * implement, as 422 causes. With `old` (an update), fields already stored with the same
 * value are let through.
 */
export function unimplementedFields(model: SchemaModel, typeName: string, obj: unknown, old?: unknown): StatusCause[] {
  const found = walk(model, typeName, obj);
  if (found.length === 0) return [];
  const before = old === undefined ? [] : walk(model, typeName, old);
  return found
    .filter((f) => !before.some((b) => b.field === f.field && deepEqual(b.value, f.value)))
    .map((f) => ({ reason: 'FieldValueForbidden', field: f.field, message: `Forbidden: not implemented by orch: ${f.why}` }));
}

/** Every (definition, field) of the model reachable from `roots` that FIELD_SUPPORT does not classify. */
export function unclassifiedFields(model: SchemaModel, roots: readonly string[]): string[] {
  const missing: string[] = [];
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const def = model.types.get(name);
    if (!def || def.primitive) continue;
    const support = FIELD_SUPPORT[shortName(name)];
    for (const [k, f] of Object.entries(def.fields)) {
      const s = support && Object.hasOwn(support, k) ? support[k] : undefined;
      if (s === undefined) {
        missing.push(`${shortName(name)}.${k}`);
        continue;
      }
      // Kinds' status and refused fields are not walked further.
      if (s !== true || (k === 'status' && roots.includes(name))) continue;
      let t: FieldType = f.type;
      while (t.kind === 'array' || t.kind === 'map') t = t.kind === 'array' ? t.items : t.values;
      if (t.kind === 'ref') stack.push(t.name);
    }
  }
  return missing;
}
