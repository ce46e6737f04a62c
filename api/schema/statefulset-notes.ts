// Schema words for apps/v1 StatefulSet (`kubectl explain sts`), with Kubernetes' list
// markers. upstream-notes.ts predates this kind; the descriptions follow upstream's doc
// comments, shortened, and say what orch does.

import type { UpstreamNotes } from './notes.js';

const A = 'io.k8s.api.apps.v1';

export const STATEFULSET_NOTES: UpstreamNotes = {
  [`${A}.StatefulSet`]: {
    d: 'StatefulSet represents a set of pods with consistent identities: a stable name and DNS name (NAME-ORDINAL.SERVICE) and, from volumeClaimTemplates, a claim per ordinal that outlives the pod.',
    f: { metadata: { d: "Standard object's metadata." }, spec: { d: 'Spec defines the desired identities of pods in this set.' }, status: { d: 'Status is the current status of Pods in this StatefulSet, written by the controller. Read-only.' } },
  },
  [`${A}.StatefulSetList`]: { d: 'StatefulSetList is a collection of StatefulSets.', f: { metadata: { d: 'Standard list metadata.' }, items: { d: 'Items is the list of stateful sets.', required: true } } },
  [`${A}.StatefulSetSpec`]: {
    d: 'A StatefulSetSpec is the specification of a StatefulSet.',
    f: {
      replicas: { d: 'The desired number of replicas of the given Template, named NAME-0 .. NAME-(replicas-1). Defaults to 1.' },
      selector: { d: "A label query over pods that should match the replica count. Must match the pod template's labels; immutable.", required: true },
      template: { d: 'The object that describes the pod that will be created if insufficient replicas are detected. Its hostname and subdomain are set by the controller.', required: true },
      volumeClaimTemplates: { d: 'A list of claims that pods are allowed to reference: for each template and ordinal the controller creates the claim TEMPLATE-NAME-ORDINAL before the pod and mounts it as the volume of the template\'s name. Immutable.', listType: 'atomic' },
      serviceName: { d: 'The name of the (headless) service that governs this StatefulSet: pods get DNS names POD.SERVICE.NAMESPACE.svc.cluster.local. Immutable.' },
      podManagementPolicy: { d: 'OrderedReady (default): pods are created in order 0..N-1, each after the previous is Running and Ready, and removed in reverse. Parallel: all at once. Immutable.' },
      updateStrategy: { d: 'The strategy used to replace pods when the template changes: RollingUpdate (default, highest ordinal first) or OnDelete.' },
      revisionHistoryLimit: { d: 'The maximum number of ControllerRevisions kept in the history besides the current and update revisions. Defaults to 10.' },
      minReadySeconds: { d: 'Minimum number of seconds for which a newly created pod should be ready for it to be considered available. Defaults to 0.' },
      persistentVolumeClaimRetentionPolicy: { d: 'Whether the claims of volumeClaimTemplates are kept (Retain, default) or deleted when the StatefulSet is deleted or scaled down.' },
      ordinals: { d: 'The ordinal numbering of replicas (start). orch numbers from 0 only.' },
    },
  },
  [`${A}.StatefulSetStatus`]: {
    d: 'StatefulSetStatus represents the current state of a StatefulSet.',
    f: {
      observedGeneration: { d: "The most recent generation observed for this StatefulSet." },
      replicas: { d: 'The number of Pods created by the StatefulSet controller.', required: true },
      readyReplicas: { d: 'The number of pods created for this StatefulSet with a Ready Condition.' },
      currentReplicas: { d: 'The number of Pods created by the StatefulSet controller from the StatefulSet version indicated by currentRevision.' },
      updatedReplicas: { d: 'The number of Pods created by the StatefulSet controller from the StatefulSet version indicated by updateRevision.' },
      currentRevision: { d: 'The version of the StatefulSet used to generate Pods in the sequence [0,currentReplicas).' },
      updateRevision: { d: 'The version of the StatefulSet used to generate Pods in the sequence [replicas-updatedReplicas,replicas).' },
      collisionCount: { d: 'The count of hash collisions for the StatefulSet, used when the name of the newest ControllerRevision is computed.' },
      conditions: { d: "The latest available observations of a statefulset's current state.", listType: 'map', listMapKeys: ['type'], patchStrategy: 'merge', patchMergeKey: 'type' },
      availableReplicas: { d: 'Total number of available pods (ready for at least minReadySeconds) targeted by this statefulset.' },
    },
  },
  [`${A}.StatefulSetCondition`]: {
    d: 'StatefulSetCondition describes the state of a statefulset at a certain point.',
    f: {
      type: { d: 'Type of statefulset condition.', required: true },
      status: { d: 'Status of the condition, one of True, False, Unknown.', required: true },
      lastTransitionTime: { d: 'Last time the condition transitioned from one status to another.' },
      reason: { d: "The reason for the condition's last transition." },
      message: { d: 'A human readable message indicating details about the transition.' },
    },
  },
  [`${A}.StatefulSetUpdateStrategy`]: {
    d: 'StatefulSetUpdateStrategy indicates the strategy that the StatefulSet controller will use to perform updates.',
    f: {
      type: { d: 'Type indicates the type of the StatefulSetUpdateStrategy: RollingUpdate (default) or OnDelete.' },
      rollingUpdate: { d: 'RollingUpdate is used to communicate parameters when Type is RollingUpdateStatefulSetStrategyType.' },
    },
  },
  [`${A}.RollingUpdateStatefulSetStrategy`]: {
    d: 'RollingUpdateStatefulSetStrategy is used to communicate parameter for RollingUpdateStatefulSetStrategyType.',
    f: {
      partition: { d: 'Only pods with an ordinal greater than or equal to the partition are updated; the others keep their revision (a canary or a phased roll out). Defaults to 0.' },
      maxUnavailable: { d: 'The maximum number (or percentage) of pods that can be unavailable during the update. Defaults to 1.' },
    },
  },
  [`${A}.StatefulSetPersistentVolumeClaimRetentionPolicy`]: {
    d: 'What happens to the claims created from volumeClaimTemplates.',
    f: {
      whenDeleted: { d: 'Retain (default): claims stay when the StatefulSet is deleted. Delete: they are owned by the StatefulSet and removed with it.' },
      whenScaled: { d: 'Retain (default): claims of ordinals scaled away stay for a later scale up. Delete: they are owned by their pod and removed with it.' },
    },
  },
  [`${A}.StatefulSetOrdinals`]: { d: 'StatefulSetOrdinals describes the policy used for replica ordinal assignment.', f: { start: { d: 'The number of the first replica (orch supports 0 only).' } } },
};
