// Service links with a real agent, Docker, apiserver and etcd: a container started after
// Services exist carries the kubelet's {SVC}_SERVICE_HOST / _PORT variables for its
// namespace's Services and the `kubernetes` Service; enableServiceLinks: false keeps only
// the latter; the container's own env wins.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod, Service } from '../../api/types.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { ApiClient } from '../../client/rest-client.js';
import { createLogger } from '../../foundation/logger.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { dockerJson, podManifest, removeAgentDir, removeContainersWith, waitFor } from './agent-helpers.js';

// Node name (and so the orch.io/node label of every container) carries this helper's name.
const NODE = `h15-endpoints-${crypto.randomBytes(3).toString('hex')}`;
const NS = 'links';

let api: TestApiServer;
let admin: ApiClient;
let agent: Agent;
let root: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-service-links-'));
  api = await startTestApiServer({ nodeNames: [NODE] });
  admin = new ApiClient({ server: api.url, token: api.token });
  const logger = createLogger('agent', process.env.ORCH_TEST_LOG ?? 'silent');
  agent = new Agent({
    podInfraContainerImage: TEST_PAUSE_IMAGE,
    nodeName: NODE,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[NODE] }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: path.join(root, NODE),
    resyncIntervalMs: 2000,
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
  });
  await agent.start();
  await agent.waitForSync();
  await admin.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
});

afterAll(async () => {
  await agent?.stop().catch(() => undefined);
  removeContainersWith({ 'orch.io/node': NODE });
  await api?.stop();
  if (root) removeAgentDir(root);
});

const service = (namespace: string, name: string, spec: Partial<Service['spec']>): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ...spec } });

async function containerEnv(name: string): Promise<string[]> {
  const pod = await waitFor(`pod ${name} running`, async () => {
    const p: Pod = await admin.pods.get(name, NS);
    return p.status?.containerStatuses?.[0]?.containerID ? p : undefined;
  });
  const id = pod.status!.containerStatuses![0]!.containerID!.replace('docker://', '');
  return dockerJson('inspect', id)[0].Config.Env as string[];
}

/** Waits until the in-process agent's Service informer holds these Services. */
async function agentSees(names: string[]): Promise<void> {
  const informer = (agent as unknown as { services: { list(): Service[] } }).services;
  await waitFor(`the agent to see the Services ${names.join(', ')}`, async () => names.every((n) => informer.list().some((s) => s.metadata.name === n)) || undefined);
}

describe('service links (real Docker)', () => {
  it('a container gets the variables of the Services that exist when it starts', async () => {
    // The apiserver may create the `kubernetes` Service itself; otherwise it is made here.
    await admin.services.create(service('default', 'kubernetes', { selector: undefined, clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }] })).catch((err) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
    const k8s = await admin.services.get('kubernetes', 'default');
    await admin.services.create(service(NS, 'redis-primary', { clusterIP: '10.96.100.11', ports: [{ port: 6379 }] }));
    await admin.services.create(service(NS, 'web', { clusterIP: '10.96.100.12', ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'dns', port: 53, protocol: 'UDP' }] }));
    await admin.services.create(service(NS, 'db', { clusterIP: 'None', ports: [{ port: 5432 }] }));
    await admin.services.create(service('default', 'elsewhere', { clusterIP: '10.96.100.13', ports: [{ port: 80 }] }));
    // "Exist when it starts" means: known to the agent, whose Service informer follows the
    // API a moment behind (the kubelet's too). Under load the pod could otherwise start
    // before the agent saw Services created a few milliseconds earlier.
    await agentSees(['kubernetes', 'redis-primary', 'web', 'db', 'elsewhere']);

    const withLinks = podManifest('with-links', NODE);
    withLinks.metadata.namespace = NS;
    withLinks.spec.containers[0]!.env = [{ name: 'WEB_SERVICE_HOST', value: 'mine' }];
    await admin.pods.create(withLinks);
    const env = await containerEnv('with-links');
    expect(env).toEqual(
      expect.arrayContaining([
        `KUBERNETES_SERVICE_HOST=${k8s.spec.clusterIP}`,
        'REDIS_PRIMARY_SERVICE_HOST=10.96.100.11',
        'REDIS_PRIMARY_SERVICE_PORT=6379',
        'REDIS_PRIMARY_PORT=tcp://10.96.100.11:6379',
        'REDIS_PRIMARY_PORT_6379_TCP=tcp://10.96.100.11:6379',
        'REDIS_PRIMARY_PORT_6379_TCP_PROTO=tcp',
        'REDIS_PRIMARY_PORT_6379_TCP_PORT=6379',
        'REDIS_PRIMARY_PORT_6379_TCP_ADDR=10.96.100.11',
        'WEB_SERVICE_HOST=mine',
        'WEB_SERVICE_PORT=80',
        'WEB_SERVICE_PORT_HTTP=80',
        'WEB_SERVICE_PORT_DNS=53',
        'WEB_PORT_53_UDP=udp://10.96.100.12:53',
      ]),
    );
    expect(env.filter((e) => e.startsWith('WEB_SERVICE_HOST='))).toEqual(['WEB_SERVICE_HOST=mine']);
    expect(env.some((e) => e.startsWith('DB_') || e.startsWith('ELSEWHERE_'))).toBe(false);

    const without = podManifest('without-links', NODE, { enableServiceLinks: false });
    without.metadata.namespace = NS;
    await admin.pods.create(without);
    const plain = await containerEnv('without-links');
    expect(plain).toContain(`KUBERNETES_SERVICE_HOST=${k8s.spec.clusterIP}`);
    expect(plain.some((e) => e.startsWith('REDIS_PRIMARY_') || e.startsWith('WEB_'))).toBe(false);
  });
});
