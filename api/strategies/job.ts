// batch/v1 Job and CronJob write rules (Kubernetes' job and cronjob REST strategies).
// A Job gets a selector of its own uid unless spec.manualSelector is true: the pod
// template is labelled batch.kubernetes.io/controller-uid and job-name (and the legacy
// unprefixed pair) and the selector picks controller-uid, so no two Jobs ever claim each
// other's pods. Status starts empty and is written only through /status.

import { JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from '../job-types.js';
import type { KubeObject } from '../types.js';
import type { Strategy } from './kinds.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Kubernetes' generateSelector: labels on the template, matchLabels on the uid. Malformed specs are left to validation. */
export function generateJobSelector(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isObj(spec) || spec.manualSelector === true) return;
  const uid = obj.metadata.uid ?? '';
  const name = obj.metadata.name ?? '';
  const tpl = isObj(spec.template) ? spec.template : undefined;
  if (!tpl) return;
  if (tpl.metadata === undefined || tpl.metadata === null) tpl.metadata = {};
  if (!isObj(tpl.metadata)) return;
  if (tpl.metadata.labels === undefined || tpl.metadata.labels === null) tpl.metadata.labels = {};
  if (!isObj(tpl.metadata.labels)) return;
  const labels = tpl.metadata.labels as Record<string, unknown>;
  labels[JOB_CONTROLLER_UID_LABEL] ??= uid;
  labels[LEGACY_CONTROLLER_UID_LABEL] ??= uid;
  if (name) {
    labels[JOB_NAME_LABEL] ??= name;
    labels[LEGACY_JOB_NAME_LABEL] ??= name;
  }
  if (spec.selector === undefined || spec.selector === null) spec.selector = { matchLabels: { [JOB_CONTROLLER_UID_LABEL]: uid } };
}

export const jobStrategy: Strategy = {
  specFields: ['spec'],
  statusSubresource: true,
  prepareForCreate(obj) {
    obj.status = {};
    generateJobSelector(obj);
  },
};

export const cronJobStrategy: Strategy = {
  specFields: ['spec'],
  statusSubresource: true,
  prepareForCreate(obj) {
    obj.status = {};
  },
};
