// An NFS volume reaches the real engine as orch asks for it: the container is created with
// a `local` driver volume whose options are type=nfs, the server and the export, and
// Docker tries that mount when the container starts. No NFS server runs here (and these
// machines' kernel has no NFS client), so the start fails — with an error that names the
// mount, which is what the pod then reports.

import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../foundation/logger.js';
import { nfsDriverVolume } from '../nfs-volumes.js';
import { DockerRuntime } from './docker-runtime.js';

const rt = new DockerRuntime({ logger: silentLogger() });
const LABELS = { 'orch.test/suite': `docker-nfs-${process.pid}` };
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' });
// Unique per run so the volume is created by this test (Docker keeps existing volumes as they are).
const vol = nfsDriverVolume({ server: '127.0.0.1', path: `/exports/orch-test-${process.pid}`, readOnly: false, mountOptions: ['nfsvers=4.1', 'soft', 'timeo=10', 'retrans=1'] }, '/data', undefined, false);

afterAll(async () => {
  for (const c of await rt.listContainers(LABELS)) await rt.remove(c.id, { force: true });
  try {
    docker('volume', 'rm', vol.name);
  } catch {
    /* not created */
  }
});

describe('DockerRuntime NFS volumes', () => {
  it('creates the container with a local-driver nfs volume and reports the mount failure at start', async () => {
    const id = await rt.create({ name: `orch-test-nfs-${process.pid}`, image: 'orch.local/busybox:latest', cmd: ['sleep', '300'], labels: LABELS, env: [], ports: [], binds: [], driverVolumes: [vol], networkMode: 'none' });
    const mounts = JSON.parse(docker('inspect', id))[0].HostConfig.Mounts;
    expect(mounts).toEqual([expect.objectContaining({ Type: 'volume', Source: vol.name, Target: '/data' })]);
    const v = JSON.parse(docker('volume', 'inspect', vol.name))[0];
    expect(v.Driver).toBe('local');
    expect(v.Options).toEqual({ type: 'nfs', o: 'addr=127.0.0.1,rw,nfsvers=4.1,soft,timeo=10,retrans=1', device: `:/exports/orch-test-${process.pid}` });
    expect(v.Labels).toMatchObject({ 'orch.io/nfs': 'true' });
    const err = await rt.start(id).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/mount/i);
    expect(err?.message).toContain(vol.name);
  }, 120_000);
});
