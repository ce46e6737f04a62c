// `orch get` output flags against kubectl v1.32 on the same objects of a real apiserver
// over a real etcd: -o jsonpath (range/end, filters, quoted text, maps as JSON),
// custom-columns (inline and file), -L, --show-labels, --no-headers, --sort-by, and
// -o json|yaml of a list query printing a List even for one item. Then `get all -w`
// follows every kind, and a watch resumed from an expired version relists.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import YAML from 'yaml';
import type { Pod } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { realClock } from '../../foundation/clock.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { assertBuilt, ORCH_ENTRY } from '../helpers/orch-cli.js';

const T0 = Date.now();
let s: TestApiServer;
let client: ApiClient;
let dir: string;
let clients: Clients;

const pod = (name: string, labels: Record<string, string>, restarts: number): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { containers: [{ name: 'web', image: 'orch.local/web:v1', ports: [{ containerPort: 8080 + restarts }] }] },
});

beforeAll(async () => {
  assertBuilt();
  // The server's clock stands still, so AGE is the same for both tools.
  s = await startTestApiServer({ tls: true, server: { clock: { now: () => T0, sleep: realClock.sleep } } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h17-cli-get-'));
  clients = cliClients(s, dir);
  client = new ApiClient({ server: s.url, token: s.token, ca: s.ca });
  await client.pods.create(pod('zeta', { app: 'web', tier: 'front', 'app.kubernetes.io/name': 'z' }, 2));
  await client.pods.create(pod('alpha', { app: 'web' }, 0));
  await client.pods.create(pod('mid', { app: 'db' }, 1));
  await client.pods.patchStatus('mid', 'default', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
}, 60_000);

afterAll(async () => {
  client?.close();
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Both tools, the same arguments: the same stdout and exit code. */
async function same(args: string[]): Promise<string> {
  const [o, k] = [await clients.orch(args), await clients.kubectl(args)];
  expect({ code: o.code, stdout: o.stdout }).toEqual({ code: k.code, stdout: k.stdout });
  return o.stdout;
}

describe('output flags print what kubectl prints', () => {
  test.each([
    ['{.items[*].metadata.name}'],
    ['{range .items[*]}{.metadata.name}{"\\t"}{.spec.containers[0].ports[0].containerPort}{"\\n"}{end}'],
    ['{.items[?(@.metadata.name=="mid")].status.conditions[?(@.type=="Ready")].status}'],
    ['{.items[0].metadata.labels}'],
    ['{.items[*].spec.containers[*].ports}'],
    ['names: {.items[-1:].metadata.name} {.kind}'],
    ["{.items[*].metadata.labels['app\\.kubernetes\\.io/name']}"],
  ])('-o jsonpath=%s', async (template) => {
    await same(['get', 'pods', '-o', `jsonpath=${template}`]);
  });

  test('jsonpath of one named object, and of a selector matching one', async () => {
    expect(await same(['get', 'pod', 'mid', '-o', 'jsonpath={.metadata.name}'])).toBe('mid');
    expect(await same(['get', 'pods', '-l', 'app=db', '-o', 'jsonpath={.kind}'])).toBe('List');
  });

  test('custom columns, inline and from a file', async () => {
    const out = await same(['get', 'pods', '-o', 'custom-columns=NAME:.metadata.name,PORT:.spec.containers[*].ports[*].containerPort,READY:{.status.conditions[?(@.type=="Ready")].status},L:.metadata.labels']);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+PORT\s+READY\s+L$/);
    const file = path.join(dir, 'cols');
    fs.writeFileSync(file, 'NAME          IMAGE\n.metadata.name   .spec.containers[0].image\n');
    await same(['get', 'pods', '-o', `custom-columns-file=${file}`]);
    await same(['get', 'pods', '-o', 'custom-columns=N:.metadata.name', '--no-headers']);
  });

  test('-L, --show-labels, --no-headers and --sort-by on the server\'s table', async () => {
    // AGE and the other columns are the server's, the same for both; sorting by name and by port.
    await same(['get', 'pods', '-L', 'app,app.kubernetes.io/name', '-L', 'tier', '--sort-by=.metadata.name', '-o', 'wide']);
    await same(['get', 'pods', '--show-labels', '--no-headers', '--sort-by={.spec.containers[0].ports[0].containerPort}']);
    await same(['get', 'pods', '-o', 'name', '--sort-by=.metadata.name']);
    await same(['get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}', '--sort-by=.spec.containers[0].ports[0].containerPort']);
  });

  test('-o json and yaml: a List for every list query, even of one item; the object for one name', async () => {
    for (const args of [['get', 'pods', '-l', 'app=db'], ['get', 'pods', 'mid', 'alpha'], ['get', 'pods', '--field-selector', 'metadata.name=mid']]) {
      for (const o of ['json', 'yaml']) {
        const out = (await clients.orch([...args, '-o', o])).stdout;
        const k = (await clients.kubectl([...args, '-o', o])).stdout;
        const parse = (t: string) => (o === 'json' ? JSON.parse(t) : YAML.parse(t));
        expect(parse(out).kind).toBe('List');
        expect(parse(out).items.map((i: Pod) => i.metadata.name)).toEqual(parse(k).items.map((i: Pod) => i.metadata.name));
      }
    }
    expect(JSON.parse((await clients.orch(['get', 'pod', 'mid', '-o', 'json'])).stdout).kind).toBe('Pod');
  });

  test('bad templates and columns are clear errors', async () => {
    const r = await clients.orch(['get', 'pods', '-o', 'jsonpath={.items[*']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error parsing jsonpath/);
    expect((await clients.orch(['get', 'pods', '-o', 'custom-columns=NAME'])).stderr).toMatch(/expected <header>:<json-path-expr>/);
    expect((await clients.orch(['get', 'pods', '-o', 'xml'])).stderr).toMatch(/unknown output format "xml"/);
  });
});

describe('watching', () => {
  test('get all -w follows every kind of the category, not only the first', async () => {
    const child = spawn(process.execPath, [ORCH_ENTRY, 'get', 'all', '-w', ...clients.orchArgs], { env: { ...process.env, ORCH_HOME: dir, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually('the first listing', () => out.includes('pod/zeta'), 20_000);
      await client.services.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'watched-svc', namespace: 'default' }, spec: { ports: [{ port: 80 }], selector: { app: 'x' } } });
      await client.deployments.create({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'watched-deploy', namespace: 'default' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'w' } }, template: { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'c', image: 'orch.local/web:v1' }] } } },
      });
      await eventually('the new service and deployment printed', () => out.includes('service/watched-svc') && out.includes('deployment.apps/watched-deploy'), 20_000);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

