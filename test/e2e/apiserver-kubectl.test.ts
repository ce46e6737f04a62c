// The real kubectl (v1.32) against a real apiserver: discovery, apply (create, then a
// strategic-merge patch on re-apply), get, scale, watch and delete must all work.
// Over HTTPS: kubectl never sends a bearer token over plain HTTP.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';

let s: TestApiServer;
let dir: string;

const baseArgs = () => ['--server', s.url, '--token', s.token, '--certificate-authority', path.join(dir, 'ca.pem'), '--cache-dir', path.join(dir, 'cache')];

function kubectl(args: string[], timeoutMs = 30_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      [...baseArgs(), ...args],
      { timeout: timeoutMs, env: { ...process.env, KUBECONFIG: path.join(dir, 'none') } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const deployment = (replicas: number, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: { app: web }
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: ${image}
          ports:
            - containerPort: 8080
`;

beforeAll(async () => {
  s = await startTestApiServer({ tls: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-kubectl-'));
  fs.writeFileSync(path.join(dir, 'ca.pem'), s.ca!);
});
afterAll(async () => {
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('kubectl v1.32 against orch', () => {
  test('apply, get, re-apply, scale, delete a Deployment', async () => {
    const file = path.join(dir, 'deploy.yaml');
    fs.writeFileSync(file, deployment(2, 'orch.local/web:latest'));
    let r = await kubectl(['apply', '-f', file]);
    expect(r.stderr + r.stdout).toContain('deployment.apps/web created');
    expect(r.code).toBe(0);

    r = await kubectl(['get', 'deployments', '-o', 'json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list.items.map((d: { metadata: { name: string } }) => d.metadata.name)).toEqual(['web']);

    // Server-side Table printing: kubectl shows the usual columns.
    r = await kubectl(['get', 'deploy', 'web']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    expect(r.stdout).toMatch(/web\s+0\/2\s+0\s+0\s+\d+s/);

    // Re-apply with a changed image: kubectl computes a strategic merge patch.
    fs.writeFileSync(file, deployment(2, 'orch.local/web:v2'));
    r = await kubectl(['apply', '-f', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('deployment.apps/web configured');
    r = await kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation}']);
    expect(r.stdout).toBe('orch.local/web:v2 2');

    r = await kubectl(['scale', 'deployment', 'web', '--replicas=5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('scaled');
    r = await kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']);
    expect(r.stdout).toBe('5');
    // --current-replicas: a PUT of /scale whose body has no Content-Type (JSON, as Kubernetes reads it).
    r = await kubectl(['scale', 'deployment', 'web', '--current-replicas=5', '--replicas=3']);
    expect(r.code, r.stderr).toBe(0);
    r = await kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']);
    expect(r.stdout).toBe('3');
    r = await kubectl(['scale', 'deployment', 'web', '--current-replicas=5', '--replicas=4']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Expected replicas to be 5, was 3');

    r = await kubectl(['delete', 'deployment', 'web', '--wait=true', '--timeout=30s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('deleted');
    r = await kubectl(['get', 'deploy', 'web']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('NotFound');
  });

  test('get -w streams changes', async () => {
    const proc = execFile('kubectl', [...baseArgs(), 'get', 'configmaps', '-w', '--request-timeout=0'], {
      env: { ...process.env, KUBECONFIG: path.join(dir, 'none') },
    });
    let out = '';
    proc.stdout!.on('data', (d) => (out += String(d)));
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const f = path.join(dir, 'cm.yaml');
      fs.writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched-cm\ndata:\n  a: "1"\n');
      const r = await kubectl(['create', '-f', f]);
      expect(r.code, r.stderr).toBe(0);
      await eventually('kubectl get -w to print watched-cm', () => out.includes('watched-cm'), 20_000);
    } finally {
      proc.kill('SIGTERM');
    }
  });

  test('diff of an unchanged object created without annotations: no difference, exit 0', async () => {
    const f = path.join(dir, 'diff-cm.yaml');
    fs.writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kc-diff\n  namespace: default\ndata:\n  a: b\n');
    let r = await kubectl(['create', '-f', f]);
    expect(r.code, r.stderr).toBe(0);
    // kubectl's dry-run patch removes the last-applied annotation the object never had: no `annotations: {}` may be left.
    r = await kubectl(['diff', '-f', f]);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, '', '']);
    fs.writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kc-diff\n  namespace: default\ndata:\n  a: c\n');
    r = await kubectl(['diff', '-f', f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('-  a: b\n+  a: c');
    r = await kubectl(['delete', '-f', f]);
    expect(r.code, r.stderr).toBe(0);
  });

  test('describe node shows the Lease an agent renews in kube-node-lease', async () => {
    const f = path.join(dir, 'node.yaml');
    const renew = '2026-12-03T10:00:00.000000Z';
    fs.writeFileSync(f, `apiVersion: v1\nkind: Node\nmetadata:\n  name: kc-node\n---\napiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: kc-node\n  namespace: kube-node-lease\nspec:\n  holderIdentity: kc-node\n  leaseDurationSeconds: 40\n  renewTime: "${renew}"\n`);
    let r = await kubectl(['create', '-f', f]);
    expect(r.code, r.stderr).toBe(0);
    r = await kubectl(['describe', 'node', 'kc-node']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Lease:\n\s+HolderIdentity:\s+kc-node\n\s+AcquireTime:\s+<unset>\n\s+RenewTime:\s+\w{3}, \d{2} \w{3} 2026 \d{2}:\d{2}:00/);
    r = await kubectl(['delete', '-f', f]);
    expect(r.code, r.stderr).toBe(0);
  });

  test('pods print READY/STATUS/RESTARTS; describe works', async () => {
    const f = path.join(dir, 'pod.yaml');
    fs.writeFileSync(f, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: tp\nspec:\n  containers:\n  - name: a\n    image: img-a\n  - name: b\n    image: img-b\n');
    let r = await kubectl(['create', '-f', f]);
    expect(r.code, r.stderr).toBe(0);
    r = await kubectl(['get', 'pods', '-o', 'wide']);
    expect(r.stdout).toMatch(/NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    expect(r.stdout).toMatch(/tp\s+0\/2\s+Pending\s+0/);
    r = await kubectl(['describe', 'pod', 'tp']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('img-b');
    r = await kubectl(['delete', 'pod', 'tp']);
    expect(r.code, r.stderr).toBe(0);
  });

  test('--dry-run=server and --validate=strict|warn|ignore reach orch as dryRun=All and fieldValidation', async () => {
    const f = path.join(dir, 'dry.yaml');
    fs.writeFileSync(f, deployment(2, 'orch.local/web:latest').replace('name: web\n', 'name: dry\n'));
    let r = await kubectl(['apply', '--dry-run=server', '-f', f, '-v=6']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('deployment.apps/dry created (server dry run)');
    expect(r.stderr).toMatch(/POST https:\S+\/deployments\?dryRun=All/);
    r = await kubectl(['get', 'deploy', 'dry']);
    expect(r.stderr).toContain('NotFound');
    // On an existing object: a dry-run patch, and a dry-run delete, change nothing.
    expect((await kubectl(['apply', '-f', f])).code).toBe(0);
    fs.writeFileSync(f, deployment(7, 'orch.local/web:latest').replace('name: web\n', 'name: dry\n'));
    r = await kubectl(['apply', '--dry-run=server', '-f', f]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('deployment.apps/dry configured (server dry run)');
    expect((await kubectl(['delete', 'deploy', 'dry', '--dry-run=server'])).code).toBe(0);
    r = await kubectl(['get', 'deploy', 'dry', '-o', 'jsonpath={.spec.replicas}']);
    expect(r.stdout).toBe('2');

    for (const [flag, sent] of [['strict', 'Strict'], ['warn', 'Warn'], ['ignore', 'Ignore']] as const) {
      const cm = path.join(dir, `val-${flag}.yaml`);
      fs.writeFileSync(cm, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: val-${flag}\ndata:\n  k: v\n`);
      r = await kubectl(['create', `--validate=${flag}`, '-f', cm, '-v=6']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`configmap/val-${flag} created`);
      // kubectl leaves the checking to the server (orch's OpenAPI says it validates) and
      // says how strict to be.
      expect(r.stderr).toContain(`fieldValidation=${sent}`);
    }
    // A bad number comes back as the server's 422, naming the field.
    fs.writeFileSync(f, deployment(2 ** 31, 'orch.local/web:latest').replace('name: web\n', 'name: flood\n'));
    r = await kubectl(['create', '--validate=strict', '-f', f]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/spec\.replicas: Invalid value: 2147483648/);
  });

  test('api-resources and create/get of core kinds', async () => {
    let r = await kubectl(['api-resources']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
    expect(r.stdout).toMatch(/endpointslices\s+discovery\.k8s\.io\/v1\s+true\s+EndpointSlice/);
    // Manifests (`create -f`, `apply -f`) go as JSON; generator commands (`kubectl create
    // namespace X`) send protobuf: apiserver-kubectl-protobuf.test.ts.
    const f = path.join(dir, 'ns.yaml');
    fs.writeFileSync(f, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kc-ns\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: kc-ns\ndata:\n  k: v\n');
    r = await kubectl(['create', '-f', f]);
    expect(r.code, r.stderr).toBe(0);
    r = await kubectl(['-n', 'kc-ns', 'get', 'cm', 'cfg', '-o', 'jsonpath={.data.k}']);
    expect(r.stdout).toBe('v');
    r = await kubectl(['delete', 'namespace', 'kc-ns', '--timeout=60s']);
    expect(r.code, r.stderr).toBe(0);
    r = await kubectl(['get', 'namespace', 'kc-ns']);
    expect(r.stderr).toContain('NotFound');
    r = await kubectl(['-n', 'kc-ns', 'get', 'cm', 'cfg']);
    expect(r.stderr).toContain('NotFound');
  });
});
