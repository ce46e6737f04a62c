// Defaults of apps/v1 StatefulSet, the ones Kubernetes applies (SetDefaults_StatefulSet):
// one replica, OrderedReady, RollingUpdate from partition 0, claims retained on delete and
// scale-down, a history of 10; the pod template and every claim template get their own
// kind's defaults. maxUnavailable is not defaulted (upstream defaults it only behind the
// MaxUnavailableStatefulSet gate, off in v1.32): absent means 1.

import { defaultStorageKind } from './storage/defaults.js';
import type { KubeObject, PodSpec } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function defaultStatefulSet(obj: KubeObject, defaultPodSpec: (s: PodSpec) => void): void {
  const spec = obj.spec;
  if (!isObj(spec)) return;
  if (spec.replicas === undefined) spec.replicas = 1;
  if (spec.podManagementPolicy === undefined) spec.podManagementPolicy = 'OrderedReady';
  if (spec.updateStrategy === undefined) spec.updateStrategy = {};
  const strategy = spec.updateStrategy;
  if (isObj(strategy)) {
    if (strategy.type === undefined) strategy.type = 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      if (strategy.rollingUpdate === undefined) strategy.rollingUpdate = {};
      if (isObj(strategy.rollingUpdate) && strategy.rollingUpdate.partition === undefined) strategy.rollingUpdate.partition = 0;
    }
  }
  if (spec.persistentVolumeClaimRetentionPolicy === undefined) spec.persistentVolumeClaimRetentionPolicy = {};
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (isObj(retention)) {
    if (retention.whenDeleted === undefined) retention.whenDeleted = 'Retain';
    if (retention.whenScaled === undefined) retention.whenScaled = 'Retain';
  }
  if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
  const tpl = spec.template;
  if (isObj(tpl) && isObj(tpl.spec)) defaultPodSpec(tpl.spec as unknown as PodSpec);
  if (Array.isArray(spec.volumeClaimTemplates)) {
    for (const c of spec.volumeClaimTemplates) if (isObj(c)) defaultStorageKind('PersistentVolumeClaim', c as unknown as KubeObject);
  }
}
