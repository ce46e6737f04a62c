// What the API accepts, seen from kubectl v1.32 (which sends protobuf for typed verbs and
// fieldValidation=Strict by default): an unknown field is a 400 naming it, --validate=warn
// prints it as a warning, an unimplemented field is a 422 with why, Pod Security refuses
// with its level and warns per the namespace's labels, and a ConfigMap with prototype-named
// keys round-trips through `kubectl create configmap --from-literal`.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';

let s: TestApiServer;
let c: Clients;
let dir: string;

const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

beforeAll(async () => {
  s = await startTestApiServer({ tls: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-admission-kubectl-'));
  c = cliClients(s, dir);
});
afterAll(async () => {
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const deploy = (extra: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: orch.local/busybox:1}]
${extra}`;

describe('kubectl and what the API accepts', () => {
  test('a typo is a 400 naming the field; --validate=warn stores it and prints a warning', async () => {
    const f = write('typo.yaml', deploy('  replica: 3\n'));
    let r = await c.kubectl(['apply', '-f', f]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('strict decoding error: unknown field "spec.replica"');
    r = await c.kubectl(['apply', '-f', f, '--validate=warn']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Warning: unknown field "spec.replica"');
  });

  test('an unimplemented field is a 422 with the field and why', async () => {
    const f = write('pod-csi.yaml', `apiVersion: v1
kind: Pod
metadata: {name: csi}
spec:
  volumes: [{name: v, csi: {driver: x}}]
  containers: [{name: c, image: orch.local/busybox:1, volumeMounts: [{name: v, mountPath: /v}]}]
`);
    const r = await c.kubectl(['apply', '-f', f]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.volumes[0].csi: Forbidden: not implemented by orch: csi volumes');
  });

  test('Pod Security: baseline refuses kubectl run --privileged; warn labels print warnings', async () => {
    let r = await c.kubectl(['run', 'priv', '--image=orch.local/busybox:1', '--privileged']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged (container "priv" must not set securityContext.privileged=true)');
    expect((await c.kubectl(['create', 'namespace', 'tools'])).code).toBe(0);
    r = await c.kubectl(['label', 'namespace', 'tools', 'pod-security.kubernetes.io/enforce=privileged', 'pod-security.kubernetes.io/warn=restricted']);
    expect(r.code, r.stderr).toBe(0);
    r = await c.kubectl(['run', 'priv', '-n', 'tools', '--image=orch.local/busybox:1', '--privileged']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Warning: would violate PodSecurity "restricted:latest": privileged \(container "priv" must not set securityContext.privileged=true\), allowPrivilegeEscalation != false/);
    r = await c.kubectl(['label', 'namespace', 'tools', 'pod-security.kubernetes.io/enforce=strict', '--overwrite']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('metadata.labels[pod-security.kubernetes.io/enforce]: Unsupported value: "strict"');
  });

  test('prototype-named keys are ordinary ConfigMap keys (a protobuf body from kubectl)', async () => {
    let r = await c.kubectl(['create', 'configmap', 'proto', '--from-literal=constructor=a', '--from-literal=prototype=b', '--from-literal=toString=c']);
    expect(r.code, r.stderr).toBe(0);
    r = await c.kubectl(['get', 'configmap', 'proto', '-o', 'jsonpath={.data}']);
    expect(JSON.parse(r.stdout)).toEqual({ constructor: 'a', prototype: 'b', toString: 'c' });
  });
});
