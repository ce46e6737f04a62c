// kubectl port-forward end to end: kubectl v1.32 → apiserver (real etcd, TLS) → the pod's
// agent (this process, real Docker) → a busybox pod's ports. Pods sit on Docker's default
// bridge, so their IPs answer from this host as the node (as in agent-probes.test.ts).
// The pod runs busybox httpd on 8080 and 8081 (one process per connection, so concurrent
// connections are really concurrent): /big a 100 MB random file, /cgi-bin/echo answers the
// POST body, /cgi-bin/sha its sha256; 9003 is closed.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { exchange, httpCall, httpDownload, startForward } from '../../agent/streams/testing/port-forward-rig.js';
import { ApiClient } from '../../client/rest-client.js';
import { createLogger } from '../../foundation/logger.js';
import { tokenAuthenticator } from '../../foundation/token-auth.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { ORCH_ENTRY, assertBuilt } from '../helpers/orch-cli.js';
import { docker, podManifest, removeAgentDir, removeContainersWith, waitFor } from './agent-helpers.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE = `h17-portforward-${RUN}`;
const AGENT_TOKEN = crypto.randomBytes(16).toString('hex');
const BIG_MB = 100;

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let agent: Agent | undefined;
let cli: Clients;

/** The pod's web servers (busybox httpd; CGI scripts for echo and sha256 of a POST body). */
const WEB_SCRIPT = [
  'mkdir -p /www/cgi-bin',
  `dd if=/dev/urandom of=/www/big bs=1M count=${BIG_MB} 2>/dev/null`,
  `printf '#!/bin/sh\\nprintf "Content-Type: application/octet-stream\\\\r\\\\n\\\\r\\\\n"\\nhead -c "$CONTENT_LENGTH"\\n' > /www/cgi-bin/echo`,
  `printf '#!/bin/sh\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n"\\nhead -c "$CONTENT_LENGTH" | sha256sum\\n' > /www/cgi-bin/sha`,
  'chmod +x /www/cgi-bin/echo /www/cgi-bin/sha',
  'httpd -f -p 8080 -h /www &',
  'httpd -f -p 8081 -h /www &',
  'touch /tmp/ready',
  'trap "exit 0" TERM',
  'wait',
].join('\n');

function serversPod(name: string, labels: Record<string, string> = {}) {
  const p = podManifest(name, NODE, {
    containers: [
      {
        name: 'main',
        image: 'orch.local/busybox:latest',
        imagePullPolicy: 'IfNotPresent',
        command: ['sh', '-c', WEB_SCRIPT],
        ports: [{ name: 'http', containerPort: 8080 }],
        readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 },
      },
    ],
  });
  p.metadata.labels = { ...p.metadata.labels, ...labels };
  return p;
}

async function waitReady(name: string) {
  return waitFor(`${name} ready`, async () => {
    const p = await admin.pods.get(name, 'default');
    return p.status?.containerStatuses?.[0]?.ready ? p : undefined;
  }, 90_000, 300);
}

const kubectl = (target: string, ports: string[], env: NodeJS.ProcessEnv = {}) =>
  startForward('kubectl', [...cli.kubectlArgs, 'port-forward', '-n', 'default', target, ...ports], ports.length, { KUBECONFIG: path.join(root, 'none'), ...env });

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'h17-portforward-'));
  api = await startTestApiServer({ nodeNames: [NODE], tls: true, server: { agentClient: { token: AGENT_TOKEN, insecureHttp: true } } });
  admin = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  cli = cliClients(api, root);
  const logger = createLogger('agent', process.env.ORCH_TEST_LOG ?? 'silent');
  agent = new Agent({
    nodeName: NODE,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[NODE], ca: api.ca }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: path.join(root, 'agent'),
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
    logTokens: tokenAuthenticator([{ token: AGENT_TOKEN, user: 'apiserver', uid: '', groups: [] }]),
    podInfraContainerImage: TEST_PAUSE_IMAGE,
  });
  await agent.start();
  await agent.waitForSync();
  await admin.pods.create(serversPod('pf', { app: 'pf' }));
  // Never scheduled (no scheduler runs here): a pod that is not running.
  await admin.pods.create({ ...serversPod('pending'), spec: { ...serversPod('pending').spec, nodeName: undefined } });
  await admin.services.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'pf-svc', namespace: 'default' },
    spec: { selector: { app: 'pf' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] },
  });
  await admin.deployments.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'pf-deploy', namespace: 'default' },
    spec: { replicas: 0, selector: { matchLabels: { app: 'pf' } }, template: { metadata: { labels: { app: 'pf' } }, spec: { containers: [{ name: 'main', image: 'orch.local/busybox:latest' }] } } },
  });
  await waitReady('pf');
}, 180_000);

afterAll(async () => {
  await agent?.stop().catch(() => undefined);
  removeContainersWith({ 'orch.io/node': NODE });
  await api?.stop();
  if (root) removeAgentDir(root);
});

function bigSha(): string {
  const id = docker('ps', '-q', '--filter', `label=orch.io/node=${NODE}`, '--filter', 'label=orch.io/pod=pf', '--filter', 'label=orch.io/container=main');
  return docker('exec', id, 'sha256sum', '/www/big').split(/\s+/)[0]!;
}

describe.each([
  ['WebSocket-tunnelled SPDY (the default)', {}],
  ['plain SPDY (KUBECTL_PORT_FORWARD_WEBSOCKETS=false)', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }],
])('kubectl port-forward pod/pf over %s', (_name, env) => {
  it(`forwards several ports, concurrent connections, and ${BIG_MB} MB each way intact`, async () => {
    const pf = kubectl('pod/pf', [':8080', ':8081'], env);
    try {
      const ports = await pf.ready;
      const payloads = Array.from({ length: 16 }, (_, i) => crypto.randomBytes(500 + i * 20_000));
      const answers = await Promise.all(payloads.map((p, i) => httpCall(ports[i % 2]!, 'POST', '/cgi-bin/echo', p)));
      answers.forEach((a, i) => expect(a.body.equals(payloads[i]!), `echo ${i}: ${a.status}, ${a.body.length} bytes back of ${payloads[i]!.length}`).toBe(true));
      const upload = crypto.randomBytes(BIG_MB * 1024 * 1024);
      const [hashed, down] = await Promise.all([httpCall(ports[0]!, 'POST', '/cgi-bin/sha', upload), httpDownload(ports[1]!, '/big')]);
      expect(hashed.body.toString().split(/\s+/)[0]).toBe(crypto.createHash('sha256').update(upload).digest('hex'));
      expect(down).toEqual({ status: 200, sha: bigSha(), bytes: BIG_MB * 1024 * 1024 });
    } finally {
      expect(await pf.stop()).toBe(0);
    }
  });
});

describe('kubectl port-forward errors', () => {
  it('a closed port: kubectl prints the agent error for that connection', async () => {
    const pf = kubectl('pod/pf', [':9003']);
    try {
      const [port] = await pf.ready;
      await exchange(port!, 'x').catch(() => Buffer.alloc(0));
      await waitFor('the error', () => /an error occurred forwarding \d+ -> 9003: error forwarding port 9003 to pod pf, uid [0-9a-f-]+: failed to connect to [\d.]+:9003: connect ECONNREFUSED/.test(pf.output()), 15_000);
      // kubectl v1.32 itself ends the whole session after any error-stream message
      // (client-go portforward.go: "lost connection to pod"); the agent's session would take more.
    } finally {
      await pf.stop();
    }
  });

  it('a pod that is not running on an agent: 4xx before any stream', async () => {
    const r = await cli.kubectl(['port-forward', '-n', 'default', 'pod/pending', '8080']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/pod is not running|unable to forward port because pod is not running/);
    const plain = await admin.request('GET', '/api/v1/namespaces/default/pods/pf/portforward?ports=8080').catch((e: ApiError) => e);
    expect(plain).toBeInstanceOf(ApiError);
    expect((plain as ApiError).code).toBe(400);
    expect((plain as ApiError).message).toMatch(/Upgrade request required/);
  });
});

describe('kubectl port-forward resolves svc/ and deploy/ to a pod', () => {
  it('svc/NAME (a named targetPort) and deploy/NAME', async () => {
    for (const [target, remote] of [['svc/pf-svc', '80'], ['deploy/pf-deploy', '8081']] as const) {
      const pf = kubectl(target, [`:${remote}`]);
      try {
        const [port] = await pf.ready;
        expect(pf.output()).toContain(`Forwarding from 127.0.0.1:${port} -> ${remote === '80' ? 8080 : 8081}`);
        expect((await httpCall(port!, 'POST', '/cgi-bin/echo', Buffer.from(`via ${target}`))).body.toString()).toBe(`via ${target}`);
      } finally {
        await pf.stop();
      }
    }
  });
});

describe('@kubernetes/client-node 1.4.0 PortForward through the apiserver', () => {
  it('forwards an HTTP exchange and reports a closed port on its error stream', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: api.url, caData: Buffer.from(api.ca!).toString('base64') }],
      users: [{ name: 'u', token: api.token }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const out = new PassThrough();
    const input = new PassThrough();
    let got = '';
    out.on('data', (d: Buffer) => (got += d.toString('latin1')));
    const ws = (await new PortForward(kc).portForward('default', 'pf', [8080], out, new PassThrough(), input)) as { close(): void };
    input.write('POST /cgi-bin/echo HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello');
    await waitFor('the HTTP answer', () => /^HTTP\/1\.[01] 200 OK[\s\S]*\r\n\r\nhello$/.test(got), 15_000);
    ws.close();

    let errText = '';
    const err = new PassThrough();
    err.on('data', (d: Buffer) => (errText += d.toString()));
    await new PortForward(kc).portForward('default', 'pf', [9003], new PassThrough(), err, new PassThrough());
    await waitFor('the error text', () => /error forwarding port 9003 to pod pf, uid [0-9a-f-]+: failed to connect to [\d.]+:9003/.test(errText), 15_000);
  });
});

describe('orch port-forward (the built CLI)', () => {
  const orch = (args: string[], lines: number) => startForward(process.execPath, [ORCH_ENTRY, 'port-forward', ...args, ...cli.orchArgs], lines, { ORCH_HOME: root, NO_COLOR: '1' });

  beforeAll(() => assertBuilt());

  it('forwards several ports with concurrent connections and 100 MB intact, and stops cleanly on Ctrl-C', async () => {
    const pf = orch(['pod/pf', ':8080', ':8081'], 2);
    try {
      const ports = await pf.ready;
      expect(pf.output()).toContain(`Forwarding from 127.0.0.1:${ports[0]} -> 8080`);
      expect(pf.output()).toContain(`Forwarding from 127.0.0.1:${ports[1]} -> 8081`);
      const payloads = Array.from({ length: 12 }, (_, i) => crypto.randomBytes(500 + i * 30_000));
      const answers = await Promise.all(payloads.map((p, i) => httpCall(ports[i % 2]!, 'POST', '/cgi-bin/echo', p)));
      answers.forEach((a, i) => expect(a.body.equals(payloads[i]!), `echo ${i}: ${a.body.length} of ${payloads[i]!.length}`).toBe(true));
      expect(await httpDownload(ports[1]!, '/big')).toEqual({ status: 200, sha: bigSha(), bytes: BIG_MB * 1024 * 1024 });
    } finally {
      expect(await pf.stop()).toBe(0);
    }
  });

  it('a closed port: the error is printed for that connection and the other ports go on', async () => {
    const pf = orch(['pf', ':9003', ':8080'], 2);
    try {
      const [closed, web] = await pf.ready;
      expect((await exchange(closed!, 'x').catch(() => Buffer.alloc(0))).length).toBe(0);
      await waitFor('the error', () => /error: an error occurred forwarding \d+ -> 9003: error forwarding port 9003 to pod pf, uid [0-9a-f-]+: failed to connect to [\d.]+:9003/.test(pf.output()), 15_000);
      expect((await httpCall(web!, 'POST', '/cgi-bin/echo', Buffer.from('still here'))).body.toString()).toBe('still here');
      expect(pf.proc.exitCode).toBeNull();
    } finally {
      expect(await pf.stop()).toBe(0);
    }
  });

  it('svc/NAME with --address localhost: the Service port maps to its named targetPort', async () => {
    const pf = orch(['svc/pf-svc', ':80', '--address', 'localhost'], 1);
    try {
      const [port] = await pf.ready;
      expect(pf.output()).toContain(`Forwarding from 127.0.0.1:${port} -> 8080`);
      expect((await httpCall(port!, 'POST', '/cgi-bin/echo', Buffer.from('via svc'))).body.toString()).toBe('via svc');
    } finally {
      await pf.stop();
    }
  });

  it.each([
    [['pod/pf', '8080:99999'], /remote port "99999" is not a port number/],
    [['rs/x', '80'], /port-forward works for pods, services and deployments, not "rs"/],
    [['pod/pending', '8080'], /unable to forward port because pod "pending" is not running \(phase Pending\)/],
    [['svc/pf-svc', '81'], /service "pf-svc" has no port 81/],
    [['pod/pf', '8080', '--address', 'example.com'], /--address "example.com" is not an IP address or localhost/],
  ])('refuses %j', async (args, message) => {
    const r = await cli.orch(['port-forward', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });
});
