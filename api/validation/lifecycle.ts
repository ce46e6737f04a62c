// Lifecycle hooks and the init-container rules of a pod spec, as Kubernetes v1.32 validates
// them (validateLifecycle / validateHandler / validateSleepAction / validateInitContainers),
// except that orch refuses a tcpSocket hook handler: the kubelet accepts and ignores it, and
// orch does not accept what it does not run.

import type { StatusCause } from '../errors.js';
import { validateIntOrPortName } from './container.js';
import { arrayField, fe, int64Field, objField, strField, type Obj } from './field-errors.js';

const HANDLERS = ['exec', 'httpGet', 'sleep'] as const;
const NOT_FOR_INIT = 'may not be set for init containers without restartPolicy=Always';

function validateHandler(v: unknown, field: string, grace: number | undefined, out: StatusCause[]): void {
  const h = objField(v, field, out);
  if (!h) return;
  if (h.tcpSocket !== undefined && h.tcpSocket !== null) out.push(fe.forbidden(`${field}.tcpSocket`, 'tcpSocket is not supported in lifecycle hooks (the kubelet ignores it); use exec, httpGet or sleep'));
  const set = HANDLERS.filter((k) => h[k] !== undefined && h[k] !== null);
  if (set.length === 0 && (h.tcpSocket === undefined || h.tcpSocket === null)) out.push(fe.required(field, 'must specify a handler type'));
  for (const k of set.slice(1)) out.push(fe.forbidden(`${field}.${k}`, 'may not specify more than 1 handler type'));
  const exec = objField(h.exec, `${field}.exec`, out);
  if (exec) {
    const cmd = arrayField(exec.command, `${field}.exec.command`, out);
    if (!cmd || cmd.length === 0) out.push(fe.required(`${field}.exec.command`));
    cmd?.forEach((s, i) => typeof s !== 'string' && out.push(fe.invalid(`${field}.exec.command[${i}]`, s, 'must be a string')));
  }
  const http = objField(h.httpGet, `${field}.httpGet`, out);
  if (http) {
    validateIntOrPortName(http.port, `${field}.httpGet.port`, out);
    strField(http.path, `${field}.httpGet.path`, out);
    strField(http.host, `${field}.httpGet.host`, out);
    if (http.scheme !== undefined && http.scheme !== 'HTTP' && http.scheme !== 'HTTPS') out.push(fe.notSupported(`${field}.httpGet.scheme`, http.scheme, ['HTTP', 'HTTPS']));
  }
  const sleep = objField(h.sleep, `${field}.sleep`, out);
  if (sleep) {
    const seconds = int64Field(sleep.seconds, `${field}.sleep.seconds`, out);
    if (sleep.seconds === undefined || sleep.seconds === null) out.push(fe.required(`${field}.sleep.seconds`));
    // v1.32 (PodLifecycleSleepActionAllowZero off): 0 < seconds ≤ the pod's grace period.
    else if (seconds !== undefined && grace !== undefined && (seconds <= 0 || seconds > grace)) {
      out.push(fe.invalid(`${field}.sleep`, seconds, `must be greater than 0 and less than terminationGracePeriodSeconds (${grace})`));
    }
  }
}

function validateLifecycle(v: unknown, field: string, grace: number | undefined, out: StatusCause[]): void {
  const l = objField(v, field, out);
  if (!l) return;
  if (l.postStart !== undefined && l.postStart !== null) validateHandler(l.postStart, `${field}.postStart`, grace, out);
  if (l.preStop !== undefined && l.preStop !== null) validateHandler(l.preStop, `${field}.preStop`, grace, out);
}

/**
 * The lifecycle and restartPolicy of one container of spec.<listName>[i] at `field`:
 * restartPolicy only on init containers and only Always (a sidecar); regular init
 * containers run to completion, so no hooks and no probes.
 */
export function validateContainerLifecycle(c: Obj, field: string, init: boolean, grace: unknown, out: StatusCause[]): void {
  const g = typeof grace === 'number' && Number.isInteger(grace) ? grace : undefined;
  const set = (k: string) => c[k] !== undefined && c[k] !== null;
  if (!init) {
    if (set('restartPolicy')) out.push(fe.forbidden(`${field}.restartPolicy`, 'may not be set for non-init containers'));
    validateLifecycle(c.lifecycle, `${field}.lifecycle`, g, out);
    return;
  }
  if (set('restartPolicy') && c.restartPolicy !== 'Always') out.push(fe.notSupported(`${field}.restartPolicy`, c.restartPolicy, ['Always']));
  if (c.restartPolicy === 'Always') {
    validateLifecycle(c.lifecycle, `${field}.lifecycle`, g, out);
    return;
  }
  for (const k of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) if (set(k)) out.push(fe.forbidden(`${field}.${k}`, NOT_FOR_INIT));
}

