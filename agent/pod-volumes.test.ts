import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pod } from '../api/types.js';
import { FakeMemoryDirs } from './testing/fake-memory-dirs.js';
import { ContainerConfigError } from './pod-to-container.js';
import { PodVolumes, projectedFiles } from './pod-volumes.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('projectedFiles', () => {
  it('projects configMap keys (0644) and secret keys (0400), honouring items and modes', () => {
    const cm = { metadata: { name: 'c' }, data: { a: 'A', b: 'B' } };
    expect(projectedFiles({ name: 'v', configMap: { name: 'c' } }, cm).map((f) => [f.path, f.data.toString(), f.mode])).toEqual([
      ['a', 'A', 0o644],
      ['b', 'B', 0o644],
    ]);
    expect(projectedFiles({ name: 'v', configMap: { name: 'c', items: [{ key: 'b', path: 'dir/bee', mode: 0o600 }], defaultMode: 0o444 } }, cm).map((f) => [f.path, f.mode])).toEqual([
      ['dir/bee', 0o600],
    ]);
    const sec = { metadata: { name: 's' }, data: { pw: Buffer.from('hunter2').toString('base64') } };
    const files = projectedFiles({ name: 'v', secret: { secretName: 's' } }, sec);
    expect(files.map((f) => [f.path, f.data.toString(), f.mode])).toEqual([['pw', 'hunter2', 0o400]]);
    expect(projectedFiles({ name: 'v', secret: { secretName: 's', defaultMode: 0o440 } }, sec)[0]!.mode).toBe(0o440);
  });

  it('missing objects and keys are config errors unless optional', () => {
    expect(() => projectedFiles({ name: 'v', configMap: { name: 'c' } }, undefined)).toThrow(ContainerConfigError);
    expect(projectedFiles({ name: 'v', configMap: { name: 'c', optional: true } }, undefined)).toEqual([]);
    expect(() => projectedFiles({ name: 'v', configMap: { name: 'c', items: [{ key: 'x', path: 'x' }] } }, { metadata: {}, data: {} })).toThrow(/couldn't find key x/);
    expect(() => projectedFiles({ name: 'v', configMap: { name: 'c', items: [{ key: 'a', path: '../x' }] } }, { metadata: {}, data: { a: '1' } })).toThrow(/invalid item path/);
  });
});

describe('PodVolumes', () => {
  it('creates emptyDir and projected files, refuses hostPath, cleans up', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-vol-'));
    dirs.push(root);
    const memory = new FakeMemoryDirs();
    const v = new PodVolumes(root, ['/srv/allowed'], { memory });
    const pod: Pod = {
      metadata: { name: 'p', namespace: 'd', uid: 'u1' },
      spec: {
        containers: [],
        volumes: [
          { name: 'scratch', emptyDir: {} },
          { name: 'cfg', configMap: { name: 'c' } },
          { name: 'sec', secret: { secretName: 's' } },
          { name: 'host', hostPath: { path: '/srv/allowed/x' } },
        ],
      },
    };
    const src = {
      configMaps: new Map([['c', { metadata: { name: 'c' }, data: { 'app.conf': 'x=1' } }]]),
      secrets: new Map([['s', { metadata: { name: 's' }, data: { token: Buffer.from('t0k').toString('base64') } }]]),
    };
    const res = await v.prepare(pod, src);
    expect(res.hostDirs.get('scratch')).toEqual({ path: path.join(root, 'pods/u1/volumes/scratch'), readOnly: false });
    expect(res.hostDirs.get('host')).toEqual({ path: '/srv/allowed/x', readOnly: false });
    expect(fs.readFileSync(path.join(root, 'pods/u1/projected/cfg/app.conf'), 'utf8')).toBe('x=1');
    // Secret files go to the pod's memory-backed directory, never next to the others.
    expect([...memory.mounted]).toEqual([path.join(root, 'pods/u1/secrets')]);
    const st = fs.statSync(path.join(root, 'pods/u1/secrets/sec/token'));
    expect(st.mode & 0o777).toBe(0o400);
    expect(res.hostDirs.get('sec')).toEqual({ path: path.join(root, 'pods/u1/secrets/sec'), readOnly: true });
    expect(fs.existsSync(path.join(root, 'pods/u1/projected/sec'))).toBe(false);
    expect(await v.knownPodUids()).toEqual(['u1']);
    await v.cleanup('u1');
    expect(memory.released).toEqual([path.join(root, 'pods/u1/secrets')]);
    expect(fs.existsSync(path.join(root, 'pods/u1'))).toBe(false);

    pod.spec.volumes = [{ name: 'h', hostPath: { path: '/etc' } }];
    await expect(v.prepare(pod, src)).rejects.toMatchObject({ reason: 'HostPathNotAllowed', message: 'hostPath /etc is not allowed on this node; allowed prefixes: /srv/allowed' });
  });
});

describe('PodVolumes: secrets in memory only', () => {
  const pod = (uid: string): Pod => ({ metadata: { name: 'p', namespace: 'd', uid }, spec: { containers: [], volumes: [{ name: 'sec', secret: { secretName: 's' } }] } });
  const src = { configMaps: new Map(), secrets: new Map([['s', { metadata: { name: 's' }, data: { token: Buffer.from('t0k').toString('base64') } }]]) };

  it('writes nothing when the memory-backed directory cannot be had; the pod is told why', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-vol-'));
    dirs.push(root);
    const memory = new FakeMemoryDirs();
    memory.refuse = 'cannot mount a tmpfs at X: permission denied';
    const v = new PodVolumes(root, [], { memory });
    await expect(v.prepare(pod('u2'), src)).rejects.toMatchObject({
      reason: 'FailedMount',
      message: 'secret volume "sec" is kept in memory only, and cannot mount a tmpfs at X: permission denied',
    });
    expect(fs.existsSync(path.join(root, 'pods/u2/secrets/sec'))).toBe(false);
  });

  it('--run-dir holds the secrets; refreshes refuse a directory that is no longer memory-backed', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-vol-'));
    const run = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-run-'));
    dirs.push(root, run);
    const memory = new FakeMemoryDirs();
    const v = new PodVolumes(root, [], { runDir: run, memory });
    await v.prepare(pod('u3'), src);
    expect(fs.readFileSync(path.join(run, 'pods/u3/secrets/sec/token'), 'utf8')).toBe('t0k');
    expect(await v.knownPodUids()).toEqual(['u3']);
    memory.mounted.clear(); // e.g. unmounted behind the agent's back
    const changed = { ...src, secrets: new Map([['s', { metadata: { name: 's' }, data: { token: Buffer.from('new').toString('base64') } }]]) };
    await expect(v.refreshProjected(pod('u3'), changed)).rejects.toThrow(/not refreshing secret volume "sec": .* is not on a tmpfs/);
    expect(fs.readFileSync(path.join(run, 'pods/u3/secrets/sec/token'), 'utf8')).toBe('t0k');
    await v.cleanup('u3');
    expect(fs.existsSync(path.join(run, 'pods/u3'))).toBe(false);
  });
});
