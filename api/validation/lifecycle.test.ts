// Lifecycle hooks, sidecars and init-container rules in pod validation (Kubernetes v1.32's
// rules; orch refuses tcpSocket hooks). Each case breaks one thing and checks the field path.

import { describe, expect, it } from 'vitest';
import type { StatusCause } from '../errors.js';
import { expectCause, res, validPod, type AnyObj } from '../testing/validation-fixtures.js';
import { validateObject } from './index.js';

const causes = (obj: AnyObj, old?: AnyObj): StatusCause[] => validateObject(res('Pod'), obj, old);
const C = (p: AnyObj) => p.spec.containers[0];
const withInit = (p: AnyObj, init: Record<string, unknown>) => (p.spec.initContainers = [{ name: 'init', image: 'orch.local/busybox:latest', ...init }]);

describe('lifecycle and init container validation', () => {
  it('accepts hooks of each kind, a sidecar with hooks and probes, a plain init container', () => {
    const p = validPod();
    C(p).lifecycle = { postStart: { exec: { command: ['touch', '/ready'] } }, preStop: { sleep: { seconds: 30 } } };
    p.spec.containers[1].lifecycle = { preStop: { httpGet: { path: '/quit', port: 'http', scheme: 'HTTPS' } } };
    p.spec.initContainers = [
      { name: 'proxy', image: 'x', restartPolicy: 'Always', startupProbe: { tcpSocket: { port: 80 } }, lifecycle: { preStop: { exec: { command: ['sh'] } } } },
      { name: 'setup', image: 'x', command: ['true'] },
    ];
    expect(causes(p)).toEqual([]);
  });

  type Case = [string, (p: AnyObj) => void, string, string, RegExp?];
  it.each<Case>([
    ['no handler', (p) => (C(p).lifecycle = { preStop: {} }), 'spec.containers[0].lifecycle.preStop', 'FieldValueRequired', /must specify a handler type/],
    ['two handlers', (p) => (C(p).lifecycle = { postStart: { exec: { command: ['a'] }, sleep: { seconds: 1 } } }), 'spec.containers[0].lifecycle.postStart.sleep', 'FieldValueForbidden', /more than 1 handler/],
    ['tcpSocket refused', (p) => (C(p).lifecycle = { preStop: { tcpSocket: { port: 80 } } }), 'spec.containers[0].lifecycle.preStop.tcpSocket', 'FieldValueForbidden', /not supported/],
    ['exec without command', (p) => (C(p).lifecycle = { postStart: { exec: {} } }), 'spec.containers[0].lifecycle.postStart.exec.command', 'FieldValueRequired'],
    ['httpGet without port', (p) => (C(p).lifecycle = { preStop: { httpGet: { path: '/' } } }), 'spec.containers[0].lifecycle.preStop.httpGet.port', 'FieldValueRequired'],
    ['httpGet bad scheme', (p) => (C(p).lifecycle = { preStop: { httpGet: { port: 80, scheme: 'FTP' } } }), 'spec.containers[0].lifecycle.preStop.httpGet.scheme', 'FieldValueNotSupported'],
    ['sleep 0', (p) => (C(p).lifecycle = { preStop: { sleep: { seconds: 0 } } }), 'spec.containers[0].lifecycle.preStop.sleep', 'FieldValueInvalid', /greater than 0 and less than terminationGracePeriodSeconds \(30\)/],
    ['sleep past the grace period', (p) => (C(p).lifecycle = { preStop: { sleep: { seconds: 31 } } }), 'spec.containers[0].lifecycle.preStop.sleep', 'FieldValueInvalid'],
    ['sleep without seconds', (p) => (C(p).lifecycle = { preStop: { sleep: {} } }), 'spec.containers[0].lifecycle.preStop.sleep.seconds', 'FieldValueRequired'],
    ['restartPolicy on an app container', (p) => (C(p).restartPolicy = 'Always'), 'spec.containers[0].restartPolicy', 'FieldValueForbidden', /non-init containers/],
    ['init restartPolicy other than Always', (p) => withInit(p, { restartPolicy: 'OnFailure' }), 'spec.initContainers[0].restartPolicy', 'FieldValueNotSupported', /"Always"/],
    ['lifecycle on a regular init container', (p) => withInit(p, { lifecycle: { preStop: { sleep: { seconds: 1 } } } }), 'spec.initContainers[0].lifecycle', 'FieldValueForbidden', /restartPolicy=Always/],
    ['probe on a regular init container', (p) => withInit(p, { readinessProbe: { exec: { command: ['true'] } } }), 'spec.initContainers[0].readinessProbe', 'FieldValueForbidden', /restartPolicy=Always/],
    ['sidecar hook checked too', (p) => withInit(p, { restartPolicy: 'Always', lifecycle: { postStart: {} } }), 'spec.initContainers[0].lifecycle.postStart', 'FieldValueRequired'],
  ])('%s', (_name, breakIt, field, reason, msg) => {
    const p = validPod();
    breakIt(p);
    expectCause(causes(p), field, reason, msg);
  });

  it('pod updates may change init container images, nothing else of them', () => {
    const old = validPod();
    withInit(old, { command: ['true'] });
    const img = structuredClone(old);
    img.spec.initContainers[0].image = 'orch.local/busybox:v2';
    expect(causes(img, old)).toEqual([]);
    const cmd = structuredClone(old);
    cmd.spec.initContainers[0].command = ['false'];
    expectCause(causes(cmd, old), 'spec', 'FieldValueForbidden', /spec.initContainers\[\*\].image/);
  });
});
