// Probe rules Kubernetes enforces beyond field types: successThreshold 1 for liveness and
// startup, no grace period on readiness probes, probes on init containers only for sidecars,
// HTTP header names. Each error names the field.

import { describe, expect, it } from 'vitest';
import type { StatusCause } from '../errors.js';
import { validateObject } from './index.js';
import { expectCause, res, validPod, type AnyObj } from '../testing/validation-fixtures.js';

const causes = (obj: AnyObj): StatusCause[] => validateObject(res('Pod'), obj);
const C = (p: AnyObj) => p.spec.containers[0];
const exec = { exec: { command: ['true'] } };

describe('probe validation', () => {
  type Case = [string, (p: AnyObj) => void, string, string, RegExp?];
  it.each<Case>([
    ['liveness successThreshold 2', (p) => (C(p).livenessProbe = { ...exec, successThreshold: 2 }), 'spec.containers[0].livenessProbe.successThreshold', 'FieldValueInvalid', /must be 1/],
    ['startup successThreshold 3', (p) => (C(p).startupProbe = { ...exec, successThreshold: 3 }), 'spec.containers[0].startupProbe.successThreshold', 'FieldValueInvalid', /must be 1/],
    ['readiness grace period', (p) => (C(p).readinessProbe.terminationGracePeriodSeconds = 5), 'spec.containers[0].readinessProbe.terminationGracePeriodSeconds', 'FieldValueInvalid', /must not be set for readinessProbes/],
    ['header name with a space', (p) => (C(p).readinessProbe.httpGet.httpHeaders = [{ name: 'X Bad', value: 'v' }]), 'spec.containers[0].readinessProbe.httpGet.httpHeaders[0].name', 'FieldValueInvalid', /valid HTTP header/],
    ['header name missing', (p) => (C(p).readinessProbe.httpGet.httpHeaders = [{ value: 'v' }]), 'spec.containers[0].readinessProbe.httpGet.httpHeaders[0].name', 'FieldValueRequired'],
    ['header value not a string', (p) => (C(p).readinessProbe.httpGet.httpHeaders = [{ name: 'X-A', value: 5 }]), 'spec.containers[0].readinessProbe.httpGet.httpHeaders[0].value', 'FieldValueInvalid'],
    ['httpHeaders not a list', (p) => (C(p).readinessProbe.httpGet.httpHeaders = { 'X-A': 'v' }), 'spec.containers[0].readinessProbe.httpGet.httpHeaders', 'FieldValueInvalid'],
    ['grpc port named', (p) => (C(p).livenessProbe = { grpc: { port: 'grpc' } }), 'spec.containers[0].livenessProbe.grpc.port', 'FieldValueInvalid'],
    ['grpc port missing', (p) => (C(p).livenessProbe = { grpc: {} }), 'spec.containers[0].livenessProbe.grpc.port', 'FieldValueRequired'],
    ['tcpSocket host not a string', (p) => (C(p).livenessProbe = { tcpSocket: { port: 80, host: 7 } }), 'spec.containers[0].livenessProbe.tcpSocket.host', 'FieldValueInvalid'],
    ['init container liveness', (p) => (p.spec.initContainers = [{ name: 'init', image: 'x', livenessProbe: exec }]), 'spec.initContainers[0].livenessProbe', 'FieldValueForbidden', /restartPolicy=Always/],
    ['init container readiness', (p) => (p.spec.initContainers = [{ name: 'init', image: 'x', readinessProbe: exec }]), 'spec.initContainers[0].readinessProbe', 'FieldValueForbidden'],
    ['init container startup', (p) => (p.spec.initContainers = [{ name: 'init', image: 'x', startupProbe: exec }]), 'spec.initContainers[0].startupProbe', 'FieldValueForbidden'],
  ])('%s → %s %s', (_n, mutate, field, reason, msg) => {
    const p = validPod();
    mutate(p);
    expectCause(causes(p), field, reason, msg);
  });

  it('accepts readiness successThreshold 3, valid headers, and probes on a sidecar', () => {
    const p = validPod();
    C(p).readinessProbe.successThreshold = 3;
    C(p).readinessProbe.httpGet.httpHeaders = [{ name: 'X-Custom-1', value: 'a b' }, { name: 'Host', value: '' }];
    C(p).livenessProbe = { ...exec, successThreshold: 1, terminationGracePeriodSeconds: 3 };
    p.spec.initContainers = [{ name: 'side', image: 'x', restartPolicy: 'Always', livenessProbe: exec, readinessProbe: exec, startupProbe: exec }];
    expect(causes(p).filter((c) => c.field?.includes('Probe'))).toEqual([]);
  });
});
