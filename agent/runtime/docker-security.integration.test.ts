// The securityContext options orch accepts reach the real engine: create containers with
// them and read them back with `docker inspect`; a process really runs as the user asked.

import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../foundation/logger.js';
import { DockerRuntime } from './docker-runtime.js';

const rt = new DockerRuntime({ logger: silentLogger() });
const LABELS = { 'orch.test/suite': `docker-security-${process.pid}` };

afterAll(async () => {
  for (const c of await rt.listContainers(LABELS)) await rt.remove(c.id, { force: true });
});

const inspect = (id: string) => JSON.parse(execFileSync('docker', ['inspect', id], { encoding: 'utf8' }))[0];

describe('DockerRuntime security options', () => {
  it('privileged, capabilities, user, groups, read-only root, no-new-privileges, seccomp, host PID and IPC', async () => {
    const id = await rt.create({
      name: `orch-test-sec-${process.pid}`,
      image: 'orch.local/busybox:latest',
      cmd: ['sleep', '300'],
      labels: LABELS,
      env: [],
      ports: [],
      binds: [],
      networkMode: 'none',
      security: { privileged: false, capAdd: ['NET_ADMIN'], capDrop: ['ALL'], user: '1234:5678', groupAdd: ['42'], readonlyRootfs: true, securityOpt: ['no-new-privileges', 'seccomp=unconfined'], pidMode: 'host', ipcMode: 'host' },
    });
    const i = inspect(id);
    expect(i.Config.User).toBe('1234:5678');
    expect(i.HostConfig).toMatchObject({ Privileged: false, CapAdd: ['NET_ADMIN'], CapDrop: ['ALL'], GroupAdd: ['42'], ReadonlyRootfs: true, PidMode: 'host', IpcMode: 'host' });
    expect(i.HostConfig.SecurityOpt).toEqual(expect.arrayContaining(['no-new-privileges', 'seccomp=unconfined']));
    await rt.start(id);
    const r = await rt.exec(id, ['id'], { timeoutMs: 5000 });
    expect(r.output).toMatch(/uid=1234 gid=5678/);
    expect(r.output).toMatch(/groups=.*42/);
    const w = await rt.exec(id, ['touch', '/x'], { timeoutMs: 5000 });
    expect(w.exitCode).not.toBe(0);
  });

  it('a privileged container is privileged; the image user is reported', async () => {
    const id = await rt.create({ name: `orch-test-sec-priv-${process.pid}`, image: 'orch.local/busybox:latest', cmd: ['sleep', '300'], labels: LABELS, env: [], ports: [], binds: [], networkMode: 'none', security: { privileged: true } });
    expect(inspect(id).HostConfig.Privileged).toBe(true);
    expect((await rt.inspectImage('orch.local/busybox:latest'))?.user).toBe('');
  });
});
