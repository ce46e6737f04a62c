// The real kubectl (v1.32) reading what the deployment controller writes: `rollout
// status` succeeds exactly when the rollout is done and fails on a progress deadline,
// `rollout undo` (which only sets the template) brings the old ReplicaSet back, and
// `rollout history` lists the revisions. HTTPS, because kubectl never sends a token
// over plain HTTP.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../api/types.js';
import { deployment, startHarness, waitFor, type Harness } from './controller-helpers.js';

describe('kubectl rollout against the deployment controller', () => {
  let h: Harness;
  let dir: string;
  beforeEach(async () => {
    h = await startHarness({ tls: true, standIn: { ready: (p) => !p.spec.containers[0]!.image.startsWith('bad') } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-cm-kubectl-'));
    fs.writeFileSync(path.join(dir, 'ca.pem'), h.api.ca!);
  });
  afterEach(async () => {
    await h?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const kubectl = (args: string[], timeoutMs = 60_000) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'kubectl',
        ['--server', h.api.url, '--token', h.api.token, '--certificate-authority', path.join(dir, 'ca.pem'), '--cache-dir', path.join(dir, 'cache'), '-n', 'default', ...args],
        { timeout: timeoutMs, env: { ...process.env, KUBECONFIG: path.join(dir, 'none') } },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const setImage = async (image: string) => {
    for (;;) {
      const d: Deployment = await h.client.deployments.get('web', 'default');
      d.spec.template.spec.containers[0]!.image = image;
      try {
        return await h.client.deployments.update(d);
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
      }
    }
  };

  it('rollout status, undo and history', async () => {
    await h.client.deployments.create(deployment('web', 3, 'web:1', { progressDeadlineSeconds: 4 }));
    let r = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deployment "web" successfully rolled out');

    await setImage('web:2');
    r = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('successfully rolled out');

    r = await kubectl(['rollout', 'undo', 'deployment/web']);
    expect(r.code, r.stderr).toBe(0);
    r = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    expect(r.code).toBe(0);
    const d = await h.client.deployments.get('web', 'default');
    expect(d.spec.template.spec.containers[0]!.image).toBe('web:1');
    expect((await h.client.replicasets.list({ namespace: 'default' })).items).toHaveLength(2);

    r = await kubectl(['rollout', 'history', 'deployment/web']);
    expect(r.code, r.stderr).toBe(0);
    // revision 1 moved forward to 3 when the undo reused its ReplicaSet
    expect(r.stdout).toMatch(/^2\s/m);
    expect(r.stdout).toMatch(/^3\s/m);
    expect(r.stdout).not.toMatch(/^1\s/m);

    await setImage('bad:1');
    r = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('deployment "web" exceeded its progress deadline');
    await waitFor('old pods still serving', async () => (await h.client.pods.list({ namespace: 'default' })).items.filter((p) => p.spec.containers[0]!.image === 'web:1' && !p.metadata.deletionTimestamp).length >= 2);
  });
});
