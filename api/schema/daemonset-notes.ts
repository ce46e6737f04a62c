// Schema words for apps/v1 DaemonSet and ControllerRevision (`kubectl explain ds`), with
// Kubernetes' list markers (status conditions merge by type). upstream-notes.ts predates
// these kinds; the descriptions follow upstream's doc comments, shortened.

import type { UpstreamNotes } from './notes.js';

const STD = { metadata: { d: "Standard object's metadata." } };
const LIST = (what: string) => ({ d: `${what}List is a collection of ${what}s.`, f: { metadata: { d: 'Standard list metadata.' }, items: { d: `A list of ${what}s.`, required: true } } });

export const DAEMONSET_NOTES: UpstreamNotes = {
  'io.k8s.api.apps.v1.DaemonSet': {
    d: 'DaemonSet represents the configuration of a daemon set: one pod on every eligible node.',
    f: { ...STD, spec: { d: 'The desired behavior of this daemon set.' }, status: { d: 'The current status of this daemon set, written by the controller. Read-only.' } },
  },
  'io.k8s.api.apps.v1.DaemonSetList': LIST('DaemonSet'),
  'io.k8s.api.apps.v1.DaemonSetSpec': {
    d: 'DaemonSetSpec is the specification of a daemon set.',
    f: {
      selector: { d: 'A label query over pods that are managed by the daemon set. Must match the pod template\'s labels; immutable.', required: true },
      template: { d: 'An object that describes the pod that will be created on every eligible node (nodeSelector, node affinity, tolerations of its taints).', required: true },
      updateStrategy: { d: 'An update strategy to replace existing DaemonSet pods with new pods.' },
      minReadySeconds: { d: 'The minimum number of seconds for which a newly created DaemonSet pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0.' },
      revisionHistoryLimit: { d: 'The number of old history (ControllerRevisions) to retain to allow rollback. Defaults to 10.' },
    },
  },
  'io.k8s.api.apps.v1.DaemonSetStatus': {
    d: 'DaemonSetStatus represents the current status of a daemon set.',
    f: {
      currentNumberScheduled: { d: 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', required: true },
      numberMisscheduled: { d: 'The number of nodes that are running the daemon pod, but are not supposed to run the daemon pod.', required: true },
      desiredNumberScheduled: { d: 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).', required: true },
      numberReady: { d: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.', required: true },
      observedGeneration: { d: 'The most recent generation observed by the daemon set controller.' },
      updatedNumberScheduled: { d: 'The total number of nodes that are running updated daemon pod.' },
      numberAvailable: { d: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds).' },
      numberUnavailable: { d: 'The number of nodes that should be running the daemon pod and have none of the daemon pod running and available.' },
      collisionCount: { d: 'Count of hash collisions for the DaemonSet, used as a suffix when the name of the newest ControllerRevision is computed.' },
      conditions: { d: "Represents the latest available observations of a DaemonSet's current state.", listType: 'map', listMapKeys: ['type'], patchStrategy: 'merge', patchMergeKey: 'type' },
    },
  },
  'io.k8s.api.apps.v1.DaemonSetCondition': {
    d: 'DaemonSetCondition describes the state of a DaemonSet at a certain point.',
    f: {
      type: { d: 'Type of DaemonSet condition.', required: true },
      status: { d: 'Status of the condition, one of True, False, Unknown.', required: true },
      lastTransitionTime: { d: 'Last time the condition transitioned from one status to another.' },
      reason: { d: "The reason for the condition's last transition." },
      message: { d: 'A human readable message indicating details about the transition.' },
    },
  },
  'io.k8s.api.apps.v1.DaemonSetUpdateStrategy': {
    d: 'DaemonSetUpdateStrategy is a struct used to control the update strategy for a DaemonSet.',
    f: {
      type: { d: 'Type of daemon set update. Can be "RollingUpdate" or "OnDelete" (new pods only where old ones were deleted). Default is RollingUpdate.' },
      rollingUpdate: { d: 'Rolling update config params. Present only if type = "RollingUpdate".' },
    },
  },
  'io.k8s.api.apps.v1.RollingUpdateDaemonSet': {
    d: 'Spec to control the desired behavior of daemon set rolling update.',
    f: {
      maxUnavailable: { d: 'The maximum number (or percentage of the desired number) of DaemonSet pods that can be unavailable during the update. Default 1; may not be 0 when maxSurge is 0.' },
      maxSurge: { d: 'The maximum number (or percentage) of nodes with an existing available DaemonSet pod that can have an updated DaemonSet pod during an update: the new pod starts before the old one is deleted. Default 0.' },
    },
  },
  'io.k8s.api.apps.v1.ControllerRevision': {
    d: 'ControllerRevision implements an immutable snapshot of state data: for a DaemonSet, a patch that restores its pod template. Clients are responsible for serializing and deserializing the objects that contain their internal state.',
    f: {
      ...STD,
      data: { d: 'Data is the serialized representation of the state (immutable).' },
      revision: { d: 'Revision indicates the revision of the state represented by Data.', required: true },
    },
  },
  'io.k8s.api.apps.v1.ControllerRevisionList': LIST('ControllerRevision'),
};
