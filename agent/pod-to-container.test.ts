import { describe, expect, it } from 'vitest';
import type { Pod } from '../api/types.js';
import {
  sandboxSpecFor,
  ContainerConfigError,
  binds,
  buildContainerSpec,
  checkHostPaths,
  containerName,
  referencedObjects,
  resolveEnv,
  type EnvSources,
} from './pod-to-container.js';

function pod(extra: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'shop', uid: 'abcd1234-5678', labels: { app: 'web' } },
    spec: { nodeName: 'n1', containers: [{ name: 'main', image: 'orch.local/web:latest' }], ...extra },
  };
}

const noSources = (): EnvSources => ({ configMaps: new Map(), secrets: new Map() });

describe('containerName', () => {
  it('is deterministic and sanitised', () => {
    const p = pod();
    expect(containerName(p, 'main', 0)).toBe('orch_shop_web-1_main_abcd1234_0');
    expect(containerName(p, 'main', 3)).toBe('orch_shop_web-1_main_abcd1234_3');
    p.metadata.name = 'we b';
    expect(containerName(p, 'main', 0)).toMatch(/^[a-zA-Z0-9_.-]+$/);
  });
});

describe('buildContainerSpec', () => {
  it('maps command/args, labels, ports, limits, network', () => {
    const p = pod({
      containers: [
        {
          name: 'main',
          image: 'img:1',
          command: ['/bin/sh', '-c'],
          args: ['echo hi'],
          workingDir: '/tmp',
          ports: [{ containerPort: 8080, hostPort: 18080 }, { containerPort: 53, protocol: 'UDP' }],
          resources: { limits: { cpu: '500m', memory: '64Mi' } },
        },
        { name: 'side', image: 'img:1', ports: [{ containerPort: 9090, hostPort: 19090 }] },
      ],
    });
    const s = buildContainerSpec({ pod: p, container: p.spec.containers[0]!, attempt: 2, nodeName: 'n1', env: ['A=1'], binds: [], networkMode: 'container:sb' });
    expect(s.name).toBe('orch_shop_web-1_main_abcd1234_2');
    expect(s.entrypoint).toEqual(['/bin/sh', '-c']);
    expect(s.cmd).toEqual(['echo hi']);
    expect(s.workingDir).toBe('/tmp');
    expect(s.memoryBytes).toBe(64 * 1024 * 1024);
    expect(s.nanoCpus).toBe(500_000_000);
    expect(s.labels).toMatchObject({
      'orch.io/pod-uid': 'abcd1234-5678',
      'orch.io/namespace': 'shop',
      'orch.io/pod': 'web-1',
      'orch.io/container': 'main',
      'orch.io/node': 'n1',
      'orch.io/attempt': '2',
    });
    expect(s.labels['orch.io/container-hash']).toMatch(/^[0-9a-z]{10}$/);
    // Ports and hostname belong to the sandbox.
    expect([s.ports, s.hostname, s.networkMode]).toEqual([[], undefined, 'container:sb']);
    // Every port of the pod is published on the sandbox, which carries the pod's hostname.
    const sb = sandboxSpecFor({ pod: p, attempt: 1, nodeName: 'n1', image: 'pause:1', networkMode: 'orch-pods-n1' });
    expect(sb).toMatchObject({ name: 'orch_shop_web-1_POD_abcd1234_1', image: 'pause:1', networkMode: 'orch-pods-n1', hostname: 'web-1', env: [], binds: [] });
    expect(sb.labels).toEqual({ 'orch.io/pod-uid': 'abcd1234-5678', 'orch.io/namespace': 'shop', 'orch.io/pod': 'web-1', 'orch.io/node': 'n1', 'orch.io/container': 'POD', 'orch.io/attempt': '1' });
    expect(sb.ports).toEqual([
      { containerPort: 8080, protocol: 'tcp', hostPort: 18080, hostIp: undefined },
      { containerPort: 53, protocol: 'udp', hostPort: undefined, hostIp: undefined },
      { containerPort: 9090, protocol: 'tcp', hostPort: 19090, hostIp: undefined },
    ]);
    const side = buildContainerSpec({ pod: p, container: p.spec.containers[1]!, attempt: 0, nodeName: 'n1', env: [], binds: [], networkMode: 'container:abc' });
    expect(side.ports).toEqual([]);
    expect(side.networkMode).toBe('container:abc');
    expect(side.entrypoint).toBeUndefined();
    expect(side.cmd).toBeUndefined();
  });

  it('command alone drops the image CMD; bad quantities are config errors', () => {
    const p = pod({ containers: [{ name: 'm', image: 'i', command: ['sleep', '5'], resources: { limits: { memory: 'lots' } } }] });
    expect(() => buildContainerSpec({ pod: p, container: p.spec.containers[0]!, attempt: 0, nodeName: 'n', env: [], binds: [], networkMode: 'bridge' })).toThrow(ContainerConfigError);
    p.spec.containers[0]!.resources = {};
    const s = buildContainerSpec({ pod: p, container: p.spec.containers[0]!, attempt: 0, nodeName: 'n', env: [], binds: [], networkMode: 'bridge' });
    expect(s.cmd).toEqual([]);
  });

  it('stdin, stdinOnce and tty become Docker OpenStdin, StdinOnce and Tty (for attach); absent otherwise', () => {
    const p = pod();
    const mk = (c: Partial<import('../api/types.js').Container>) => buildContainerSpec({ pod: p, container: { name: 'm', image: 'i', ...c }, attempt: 0, nodeName: 'n', env: [], binds: [], networkMode: 'bridge' });
    expect(mk({ stdin: true, stdinOnce: true, tty: true })).toMatchObject({ openStdin: true, stdinOnce: true, tty: true });
    const plain = mk({});
    expect([plain.openStdin, plain.stdinOnce, plain.tty]).toEqual([undefined, undefined, undefined]);
    // stdinOnce means nothing without stdin (as in Kubernetes).
    expect(mk({ stdinOnce: true }).stdinOnce).toBeUndefined();
  });

  it('spec hash changes with the container spec', () => {
    const p = pod();
    const a = buildContainerSpec({ pod: p, container: { name: 'm', image: 'a:1' }, attempt: 0, nodeName: 'n', env: [], binds: [], networkMode: 'bridge' });
    const b = buildContainerSpec({ pod: p, container: { name: 'm', image: 'a:2' }, attempt: 0, nodeName: 'n', env: [], binds: [], networkMode: 'bridge' });
    expect(a.labels['orch.io/container-hash']).not.toBe(b.labels['orch.io/container-hash']);
  });
});

describe('resolveEnv', () => {
  const src = (): EnvSources => ({
    configMaps: new Map([['cfg', { metadata: { name: 'cfg' }, data: { MODE: 'fast', LEVEL: '3' } }]]),
    secrets: new Map([['sec', { metadata: { name: 'sec' }, data: { PASSWORD: Buffer.from('s3cret').toString('base64') } }]]),
  });

  it('resolves literal, configMap/secret refs, fieldRefs and envFrom with prefix', () => {
    const p = pod();
    const env = resolveEnv(
      p,
      {
        name: 'm',
        image: 'i',
        envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'sec' } }],
        env: [
          { name: 'LIT', value: 'x' },
          { name: 'REF', value: 'mode=$(CFG_MODE) $$keep $(NOPE)' },
          { name: 'CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'LEVEL' } } },
          { name: 'PW', valueFrom: { secretKeyRef: { name: 'sec', key: 'PASSWORD' } } },
          { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
          { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'missing', key: 'k', optional: true } } },
        ],
      },
      src(),
      { podIP: '172.17.0.5', hostIP: '10.0.0.1' },
    );
    expect(env).toEqual([
      'CFG_MODE=fast',
      'CFG_LEVEL=3',
      'PASSWORD=s3cret',
      'LIT=x',
      'REF=mode=fast $keep $(NOPE)',
      'CM=3',
      'PW=s3cret',
      'POD=web-1',
      'NS=shop',
      'NODE=n1',
      'IP=172.17.0.5',
      'HOST=10.0.0.1',
      'APP=web',
    ]);
  });

  it('missing non-optional objects and keys are CreateContainerConfigError', () => {
    const p = pod();
    const cases = [
      { env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }], msg: 'configmap "nope" not found' },
      { env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }], msg: "couldn't find key k in ConfigMap shop/cfg" },
      { env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }], msg: 'secret "nope" not found' },
      { envFrom: [{ secretRef: { name: 'gone' } }], msg: 'secret "gone" not found' },
    ];
    for (const c of cases) {
      let err: unknown;
      try {
        resolveEnv(p, { name: 'm', image: 'i', ...c }, src(), {});
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ContainerConfigError);
      expect((err as ContainerConfigError).reason).toBe('CreateContainerConfigError');
      expect((err as Error).message).toBe(c.msg);
    }
    expect(resolveEnv(p, { name: 'm', image: 'i', envFrom: [{ secretRef: { name: 'gone', optional: true } }] }, noSources(), {})).toEqual([]);
  });

  it('keys named like Object.prototype members are ordinary keys: present or missing, never inherited', () => {
    const p = pod();
    p.metadata.labels = { constructor: 'lab' };
    const sources = src();
    sources.configMaps.get('cfg')!.data = { constructor: 'c' };
    const env = resolveEnv(
      p,
      {
        name: 'm',
        image: 'i',
        env: [
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'constructor' } } },
          { name: 'B', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'toString', optional: true } } },
          { name: 'C', valueFrom: { secretKeyRef: { name: 'sec', key: 'valueOf', optional: true } } },
          { name: 'D', valueFrom: { fieldRef: { fieldPath: "metadata.labels['constructor']" } } },
          { name: 'E', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['hasOwnProperty']" } } },
        ],
      },
      sources,
      {},
    );
    expect(env).toEqual(['A=c', 'D=lab', 'E=']);
    expect(() => resolveEnv(p, { name: 'm', image: 'i', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'hasOwnProperty' } } }] }, sources, {})).toThrow("couldn't find key hasOwnProperty");
  });
});

describe('referencedObjects', () => {
  it('covers env and envFrom of init containers as well as of containers, and volumes', () => {
    const pod = {
      metadata: { name: 'p', namespace: 'default' },
      spec: {
        initContainers: [{ name: 'i', image: 'x', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'init-secret', key: 'k' } } }], envFrom: [{ configMapRef: { name: 'init-cm' } }] }],
        containers: [{ name: 'c', image: 'x', envFrom: [{ secretRef: { name: 'app-secret' } }] }],
        volumes: [{ name: 'v', configMap: { name: 'vol-cm' } }],
      },
    } as unknown as Pod;
    const refs = referencedObjects(pod);
    expect(refs.secrets.sort()).toEqual(['app-secret', 'init-secret']);
    expect(refs.configMaps.sort()).toEqual(['init-cm', 'vol-cm']);
  });
});

describe('volumes', () => {
  it('refuses hostPath outside the allowed prefixes with a clear message', () => {
    const p = pod({ volumes: [{ name: 'h', hostPath: { path: '/etc' } }] });
    expect(checkHostPaths(p, [])).toBe('hostPath /etc is not allowed on this node; allowed prefixes: (none)');
    expect(checkHostPaths(p, ['/srv/data', '/mnt'])).toBe('hostPath /etc is not allowed on this node; allowed prefixes: /srv/data, /mnt');
    p.spec.volumes = [{ name: 'h', hostPath: { path: '/srv/data/x' } }];
    expect(checkHostPaths(p, ['/srv/data'])).toBeUndefined();
    p.spec.volumes = [{ name: 'h', hostPath: { path: '/srv/database' } }];
    expect(checkHostPaths(p, ['/srv/data'])).toMatch(/not allowed/);
    p.spec.volumes = [{ name: 'h', hostPath: { path: '/srv/data/../../etc' } }];
    expect(checkHostPaths(p, ['/srv/data'])).toMatch(/not allowed/);
  });

  it('builds binds with read-only flags and subPath', () => {
    const p = pod();
    const vols = { hostDirs: new Map([['data', { path: '/r/pods/u/volumes/data', readOnly: false }], ['cfg', { path: '/r/pods/u/projected/cfg', readOnly: true }]]) };
    const b = binds(p, { name: 'm', image: 'i', volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'cfg', mountPath: '/etc/cfg' }, { name: 'data', mountPath: '/sub', subPath: 'x', readOnly: true }] }, vols);
    expect(b).toEqual(['/r/pods/u/volumes/data:/data', '/r/pods/u/projected/cfg:/etc/cfg:ro', '/r/pods/u/volumes/data/x:/sub:ro']);
    expect(() => binds(p, { name: 'm', image: 'i', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }, vols)).toThrow(/not defined/);
  });
});
