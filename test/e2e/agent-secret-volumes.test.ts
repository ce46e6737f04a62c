// Secret volumes are kept in memory, as the kubelet keeps them (real Docker, real mounts):
// the files a container reads come from a tmpfs on the host, never from the agent's disk,
// with the modes asked for; the tmpfs goes away with the pod.

import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/types.js';
import { Agent } from '../../agent/agent.js';
import { ApiClient } from '../../client/rest-client.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { containersWith, docker, dockerJson, mountsUnder, podManifest, waitFor } from './agent-helpers.js';
import { startTestAgent, type TestAgent } from './test-agent.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE = `e2e-secret-${RUN}`;
const SECRET_VALUE = `s3cret-${RUN}`;

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let agent: Agent | undefined;
let testAgent: TestAgent | undefined;

/** `stat -f -c %T`: the file system type the host sees at `p`. */
const fsType = (p: string) => execFileSync('stat', ['-f', '-c', '%T', p], { encoding: 'utf8' }).trim();

beforeAll(async () => {
  docker('image', 'inspect', 'orch.local/busybox:latest');
  api = await startTestApiServer({ nodeNames: [NODE] });
  admin = new ApiClient({ server: api.url, token: api.token });
  testAgent = await startTestAgent(api, NODE);
  agent = testAgent.agent;
  root = testAgent.root;
  expect(fsType(root)).not.toBe('tmpfs'); // otherwise the test proves nothing
});

afterAll(async () => {
  await testAgent?.stop();
  await api?.stop();
});

describe('secret volumes (real Docker)', () => {
  it('are readable in the container with their modes, backed by a tmpfs on the host, and gone with the pod', async () => {
    await admin.secrets.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'default' },
      data: { password: Buffer.from(SECRET_VALUE).toString('base64'), user: Buffer.from('app').toString('base64') },
    });
    await admin.pods.create(
      podManifest(`sec-${RUN}`, NODE, {
        volumes: [{ name: 'creds', secret: { secretName: 'db', defaultMode: 0o440, items: [{ key: 'password', path: 'pw', mode: 0o400 }, { key: 'user', path: 'conf/user' }] } }],
        containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], volumeMounts: [{ name: 'creds', mountPath: '/etc/creds' }] }],
      }),
    );
    const pod = await waitFor('pod running', async () => {
      const p: Pod = await admin.pods.get(`sec-${RUN}`, 'default');
      return p.status?.phase === 'Running' ? p : undefined;
    }, 60_000);
    const [id] = containersWith({ 'orch.io/pod-uid': pod.metadata.uid! });

    // Inside the container: the values, with the modes asked for, read-only.
    expect(docker('exec', id!, 'cat', '/etc/creds/pw')).toBe(SECRET_VALUE);
    expect(docker('exec', id!, 'cat', '/etc/creds/conf/user')).toBe('app');
    expect(docker('exec', id!, 'stat', '-c', '%a', '/etc/creds/pw', '/etc/creds/conf/user')).toBe('400\n440');

    // On the host: the directory Docker bind-mounts is on a tmpfs ...
    const source = dockerJson(`inspect`, id!)[0].Mounts.find((m: { Destination: string }) => m.Destination === '/etc/creds').Source as string;
    expect(fsType(source)).toBe('tmpfs');
    expect(fsType(path.join(source, 'pw'))).toBe('tmpfs');
    // ... and nothing on the agent's own file system holds the secret.
    const onDisk = execFileSync('find', [root, '-xdev', '-type', 'f'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(onDisk.filter((f) => fs.readFileSync(f, 'utf8').includes(SECRET_VALUE))).toEqual([]);
    expect(mountsUnder(root)).toHaveLength(1);

    // Deleting the pod unmounts and removes it.
    await admin.pods.delete(`sec-${RUN}`, 'default');
    await waitFor('pod gone', async () => (await admin.pods.list({ namespace: 'default' })).items.every((p) => p.metadata.uid !== pod.metadata.uid), 60_000);
    expect(fs.existsSync(source)).toBe(false);
    expect(mountsUnder(root)).toEqual([]);
  });
});
