// kubectl v1.32 on CustomResourceDefinitions and their custom resources, against a real
// apiserver over a real etcd: apply of the CRD and of an object, get with the printer
// columns (and `get all` through the category), describe, explain from the published
// OpenAPI, scale through /scale, edit with a scripted editor, merge and JSON patches
// (strategic merge refused as Kubernetes does), server-side apply, a schema error
// printed with its field, delete of the object and of the CRD.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { eventually } from '../helpers/eventually.js';
import type { RunResult } from '../helpers/orch-cli.js';

const CRD_YAML = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.kubectl-crd.example.com
spec:
  group: kubectl-crd.example.com
  scope: Namespaced
  names: {plural: crontabs, singular: crontab, kind: CronTab, shortNames: [ct], categories: [all]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
    additionalPrinterColumns:
    - {name: Spec, type: string, jsonPath: .spec.cronSpec}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        description: CronTab runs an image on a schedule
        properties:
          spec:
            type: object
            description: what to run and when
            required: [cronSpec]
            properties:
              cronSpec: {type: string, description: the schedule in cron format}
              image: {type: string}
              replicas: {type: integer, minimum: 0, default: 1}
          status:
            type: object
            properties:
              replicas: {type: integer}
`;

const CT_YAML = `apiVersion: kubectl-crd.example.com/v1
kind: CronTab
metadata:
  name: my-cron
spec:
  cronSpec: "*/5 * * * *"
  image: cron-image
`;

let s: TestApiServer;
let dir: string;
let k: Clients;

function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

const kubectl = async (...args: string[]) => ok(await k.kubectl(args));

beforeAll(async () => {
  s = await startTestApiServer({ tls: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-crd-kubectl-'));
  k = cliClients(s, dir);
  fs.writeFileSync(path.join(dir, 'crd.yaml'), CRD_YAML);
  fs.writeFileSync(path.join(dir, 'ct.yaml'), CT_YAML);
}, 60_000);

afterAll(async () => {
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('kubectl on custom resources', () => {
  test('apply, get, describe, explain, scale, edit, patch, delete', async () => {
    expect((await kubectl('apply', '-f', path.join(dir, 'crd.yaml'))).stdout.trim()).toBe('customresourcedefinition.apiextensions.k8s.io/crontabs.kubectl-crd.example.com created');
    expect((await kubectl('get', 'crd')).stdout).toMatch(/^NAME\s+CREATED AT\ncrontabs\.kubectl-crd\.example\.com\s+\d{4}-\d\d-\d\dT/);
    expect((await kubectl('apply', '-f', path.join(dir, 'ct.yaml'))).stdout.trim()).toBe('crontab.kubectl-crd.example.com/my-cron created');

    expect((await kubectl('get', 'ct')).stdout).toMatch(/^NAME\s+SPEC\s+REPLICAS\s+AGE\nmy-cron\s+\*\/5 \* \* \* \*\s+1\s+\d+s\n$/);
    expect((await kubectl('get', 'all')).stdout).toContain('crontab.kubectl-crd.example.com/my-cron');
    const described = (await kubectl('describe', 'crontab', 'my-cron')).stdout;
    expect(described).toMatch(/Kind:\s+CronTab/);
    expect(described).toMatch(/Cron Spec:\s+\*\/5 \* \* \* \*/);
    const explained = (await kubectl('explain', 'crontab.spec')).stdout;
    expect(explained).toContain('what to run and when');
    expect(explained).toMatch(/cronSpec\s+<string> -required-/);

    expect((await kubectl('scale', 'crontab', 'my-cron', '--replicas=3')).stdout.trim()).toBe('crontab.kubectl-crd.example.com/my-cron scaled');
    expect((await kubectl('get', 'ct', 'my-cron', '-o', 'jsonpath={.spec.replicas}')).stdout).toBe('3');

    await kubectl('patch', 'ct', 'my-cron', '--type=merge', '-p', '{"spec":{"image":"merged"}}');
    await kubectl('patch', 'ct', 'my-cron', '--type=json', '-p', '[{"op":"replace","path":"/spec/cronSpec","value":"0 * * * *"}]');
    const smp = await k.kubectl(['patch', 'ct', 'my-cron', '-p', '{"spec":{"image":"x"}}']);
    expect(smp.code).not.toBe(0);
    expect(smp.stderr).toContain('application/strategic-merge-patch+json is not supported');
    expect((await kubectl('get', 'ct', 'my-cron', '-o', 'jsonpath={.spec.image} {.spec.cronSpec}')).stdout).toBe('merged 0 * * * *');

    // A schema error, printed with its field.
    const bad = await k.kubectl(['patch', 'ct', 'my-cron', '--type=merge', '-p', '{"spec":{"replicas":-1}}']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/spec\.replicas: Invalid value: -1: spec\.replicas in body must be >= 0/);

    const editor = path.join(dir, 'editor.sh');
    fs.writeFileSync(editor, '#!/bin/sh\nsed -i "s/^  image: .*/  image: edited/" "$1"\n', { mode: 0o755 });
    process.env.KUBE_EDITOR = editor;
    try {
      expect((await kubectl('edit', 'ct', 'my-cron')).stdout.trim()).toBe('crontab.kubectl-crd.example.com/my-cron edited');
    } finally {
      delete process.env.KUBE_EDITOR;
    }
    expect((await kubectl('get', 'ct', 'my-cron', '-o', 'jsonpath={.spec.image}')).stdout).toBe('edited');

    // Client-side apply again (a merge patch from last-applied), then server-side apply.
    expect((await kubectl('apply', '-f', path.join(dir, 'ct.yaml'))).stdout.trim()).toBe('crontab.kubectl-crd.example.com/my-cron configured');
    expect((await kubectl('apply', '--server-side', '--force-conflicts', '-f', path.join(dir, 'ct.yaml'))).stdout.trim()).toBe('crontab.kubectl-crd.example.com/my-cron serverside-applied');
    expect((await kubectl('get', 'ct', 'my-cron', '-o', 'jsonpath={.spec.image} {.spec.cronSpec}')).stdout).toBe('cron-image */5 * * * *');

    expect((await kubectl('delete', 'ct', 'my-cron')).stdout.trim()).toBe('crontab.kubectl-crd.example.com "my-cron" deleted');
    await kubectl('apply', '-f', path.join(dir, 'ct.yaml'));
    expect((await kubectl('delete', 'crd', 'crontabs.kubectl-crd.example.com')).stdout.trim()).toBe('customresourcedefinition.apiextensions.k8s.io "crontabs.kubectl-crd.example.com" deleted');
    await eventually('the CRD to be gone', async () => (await k.kubectl(['get', 'crd'])).stderr.includes('No resources found'), 15_000, 200);
    // Its object went first (the cleanup finalizer).
    expect(await s.storage.get('/registry/kubectl-crd.example.com/crontabs/default/my-cron')).toBeUndefined();
  }, 120_000);

  test('a CRD with a non-structural schema is refused with the field named', async () => {
    const file = path.join(dir, 'bad-crd.yaml');
    fs.writeFileSync(file, CRD_YAML.replace('crontabs.kubectl-crd', 'things.kubectl-crd').replace('plural: crontabs', 'plural: things').replace('cronSpec: {type: string, description: the schedule in cron format}', 'cronSpec: {description: no type}'));
    const r = await k.kubectl(['apply', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[cronSpec].type: Required value');
  });
});
