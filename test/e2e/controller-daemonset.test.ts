// The DaemonSet controller against a real apiserver + etcd, with the pod stand-in in the
// scheduler's and agents' place (it binds a pod to the node its matchFields affinity
// names, marks it Ready, confirms deletions): one pod per eligible node, a tainted node
// skipped, a node added / deleted, a failed pod replaced, RollingUpdate one node at a
// time (checked on every pod event), OnDelete, revisions, and kubectl v1.32's
// `rollout status / history / undo daemonset/NAME` and `get ds / controllerrevisions`.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerRevision, DaemonSet } from '../../api/daemonset-types.js';
import type { Node, Pod } from '../../api/types.js';
import { Informer } from '../../client/informer.js';
import { targetNodeName } from '../../controller/daemonset/daemon-pods.js';
import { CONTROLLER_REVISION_HASH } from '../../controller/history/revisions.js';
import { assertBuilt, runOrch } from '../helpers/orch-cli.js';
import { startHarness, waitFor, type Harness } from './controller-helpers.js';

const NODES = ['ds-a', 'ds-b', 'ds-c'];
let h: Harness;
let dir: string;
const ds = () => h.client.resource<DaemonSet>('daemonsets');
const revs = () => h.client.resource<ControllerRevision>('controllerrevisions');

function daemonSet(name: string, image: string, spec: Partial<DaemonSet['spec']> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { ds: name } },
      template: { metadata: { labels: { ds: name } }, spec: { containers: [{ name: 'main', image }] } },
      ...spec,
    },
  };
}

const podsOf = async (name: string): Promise<Pod[]> => (await h.client.pods.list({ namespace: 'default', labelSelector: `ds=${name}` })).items;
const live = (pods: Pod[]) => pods.filter((p) => !p.metadata.deletionTimestamp);
const nodesOf = (pods: Pod[]) => live(pods).map((p) => targetNodeName(p)).sort();
const isReady = (p: Pod) => !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

async function setImage(name: string, image: string): Promise<void> {
  for (;;) {
    const d = await ds().get(name, 'default');
    d.spec.template.spec.containers[0]!.image = image;
    try {
      await ds().update(d);
      return;
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
}

const kubectl = (args: string[], timeoutMs = 60_000) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'kubectl',
      ['--server', h.api.url, '--token', h.api.token, '--certificate-authority', path.join(dir, 'ca.pem'), '--cache-dir', path.join(dir, 'cache'), '-n', 'default', ...args],
      { timeout: timeoutMs, env: { ...process.env, KUBECONFIG: path.join(dir, 'none') } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

const orch = (args: string[]) => runOrch([...args, '--server', h.api.url, '--token', h.api.token, '--ca-file', path.join(dir, 'ca.pem'), '-n', 'default'], { timeoutMs: 60_000 });

beforeAll(async () => {
  assertBuilt();
  h = await startHarness({ tls: true, nodes: NODES, standIn: { pickNode: (p) => targetNodeName(p), ready: (p) => !p.spec.containers[0]!.image.startsWith('bad') } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-ds-kubectl-'));
  fs.writeFileSync(path.join(dir, 'ca.pem'), h.api.ca!);
  // ds-c carries a taint the daemon pods do not tolerate, in the controller's first list
  // (a NoSchedule taint seen only after a pod was made there would leave the pod be).
  await h.manager.stop();
  const c = await h.client.nodes.get('ds-c');
  await h.client.nodes.update({ ...c, spec: { ...c.spec, taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } });
  await h.startManager();
}, 60_000);

afterAll(async () => {
  await h?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('DaemonSet controller', () => {
  it('runs one pod on each eligible node, pinned by matchFields, with the daemon tolerations; a tainted node is skipped', async () => {
    await ds().create(daemonSet('agent', 'img:1'));
    await waitFor('a ready pod on ds-a and ds-b', async () => {
      const pods = live(await podsOf('agent'));
      return pods.length === 2 && pods.every(isReady) && nodesOf(pods).join() === 'ds-a,ds-b';
    });
    const pods = await podsOf('agent');
    for (const p of pods) {
      const terms = p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      expect(terms).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName] }] }]);
      const keys = (p.spec.tolerations ?? []).map((t) => `${t.key}:${t.effect}`);
      expect(keys).toEqual(expect.arrayContaining(['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unschedulable:NoSchedule', 'node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule']));
      expect(keys).not.toContain('node.kubernetes.io/network-unavailable:NoSchedule');
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'DaemonSet', name: 'agent', controller: true });
    }
    await waitFor('status counts', async () => {
      const s = (await ds().get('agent', 'default')).status;
      return s?.desiredNumberScheduled === 2 && s.currentNumberScheduled === 2 && s.numberReady === 2 && s.updatedNumberScheduled === 2 && s.numberAvailable === 2 && s.numberMisscheduled === 0 && s.observedGeneration === 1;
    });
    const history = (await revs().list({ namespace: 'default', labelSelector: 'ds=agent' })).items;
    expect(history).toHaveLength(1);
    expect(history[0]!.revision).toBe(1);
    expect(pods.every((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH] === history[0]!.metadata.labels?.[CONTROLLER_REVISION_HASH])).toBe(true);
  });

  it('gives a new node its pod and removes the pod of a deleted node', async () => {
    const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'ds-d' }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    await h.client.nodes.create(node);
    await waitFor('a pod on ds-d', async () => nodesOf(await podsOf('agent')).join() === 'ds-a,ds-b,ds-d');
    await h.client.nodes.delete('ds-d');
    await waitFor('the pod of ds-d gone', async () => (await podsOf('agent')).every((p) => targetNodeName(p) !== 'ds-d'));
    await waitFor('desired back to 2', async () => (await ds().get('agent', 'default')).status?.desiredNumberScheduled === 2);
  });

  it('tolerating the taint puts a pod on the tainted node; a nodeSelector narrows the nodes', async () => {
    const tolerate = daemonSet('tol', 'img:1');
    tolerate.spec.template.spec.tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }];
    await ds().create(tolerate);
    await waitFor('pods on all three nodes', async () => nodesOf(await podsOf('tol')).join() === 'ds-a,ds-b,ds-c');
    const a = await h.client.nodes.get('ds-a');
    await h.client.nodes.update({ ...a, metadata: { ...a.metadata, labels: { ...a.metadata.labels, role: 'edge' } } });
    const sel = daemonSet('sel', 'img:1');
    sel.spec.template.spec.nodeSelector = { role: 'edge' };
    await ds().create(sel);
    await waitFor('one pod, on ds-a', async () => nodesOf(await podsOf('sel')).join() === 'ds-a');
    // The label goes: the pod no longer belongs there (misscheduled until deleted) and is deleted.
    const a2 = await h.client.nodes.get('ds-a');
    const labels = { ...a2.metadata.labels };
    delete labels.role;
    await h.client.nodes.update({ ...a2, metadata: { ...a2.metadata, labels } });
    await waitFor('no pod for sel', async () => live(await podsOf('sel')).length === 0);
    await ds().delete('tol', 'default');
    await ds().delete('sel', 'default');
  });

  it('replaces a failed pod', async () => {
    const [victim] = live(await podsOf('agent'));
    await h.client.pods.updateStatus({ ...victim!, status: { ...victim!.status, phase: 'Failed' } });
    await waitFor('the failed pod replaced', async () => {
      const pods = live(await podsOf('agent'));
      return pods.length === 2 && !pods.some((p) => p.metadata.uid === victim!.metadata.uid) && pods.every(isReady);
    });
  });

  it('rolls an image change through one node at a time, and kubectl rollout status / history / undo work', async () => {
    // Every pod event: at most maxUnavailable (1) eligible node without a ready pod.
    const inf = new Informer<Pod>(h.client.pods, { namespace: 'default', labelSelector: 'ds=agent' });
    let worst = 0;
    const trace: string[] = [];
    const check = () => {
      const ok = new Set(inf.list().filter((p) => !p.metadata.deletionTimestamp && isReady(p)).map((p) => targetNodeName(p)));
      const missing = ['ds-a', 'ds-b'].filter((n) => !ok.has(n)).length;
      trace.push(inf.list().map((p) => `${p.metadata.name}@${targetNodeName(p)}:${p.spec.containers[0]!.image}:${isReady(p) ? 'R' : '-'}${p.metadata.deletionTimestamp ? 'D' : ''}`).join(' '));
      worst = Math.max(worst, missing);
    };
    inf.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });
    inf.start();
    await inf.waitForSync();
    try {
      await setImage('agent', 'img:2');
      const status = await kubectl(['rollout', 'status', 'daemonset/agent', '--timeout=60s']);
      expect(status.stderr).toBe('');
      expect(status.code).toBe(0);
      expect(status.stdout).toContain('daemon set "agent" successfully rolled out');
      const pods = live(await podsOf('agent'));
      expect(pods.map((p) => p.spec.containers[0]!.image)).toEqual(['img:2', 'img:2']);
      expect(worst, trace.join('\n')).toBe(1);
    } finally {
      inf.stop();
    }
    const history = await kubectl(['rollout', 'history', 'daemonset/agent']);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const table = await kubectl(['get', 'controllerrevisions']);
    expect(table.stdout).toMatch(/NAME\s+CONTROLLER\s+REVISION\s+AGE/);
    expect(table.stdout).toMatch(/agent-\w+\s+daemonset\.apps\/agent\s+2\s/);
    const undo = await kubectl(['rollout', 'undo', 'daemonset/agent']);
    expect(undo.stderr).toBe('');
    expect(undo.stdout).toContain('daemonset.apps/agent rolled back');
    await waitFor('back on img:1', async () => {
      const pods = live(await podsOf('agent'));
      return pods.length === 2 && pods.every((p) => p.spec.containers[0]!.image === 'img:1' && isReady(p));
    });
    // The old state came back: its revision is renumbered 3, not copied.
    await waitFor('revision 1 renumbered to 3', async () => {
      const items = (await revs().list({ namespace: 'default', labelSelector: 'ds=agent' })).items;
      return items.map((r) => r.revision).sort().join() === '2,3';
    });
    const get = await kubectl(['get', 'ds']);
    expect(get.stdout).toMatch(/NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\nagent\s+2\s+2\s+2\s+2\s+2\s+<none>/);
  });

  it('OnDelete replaces a pod only when it is deleted', async () => {
    const d = await ds().get('agent', 'default');
    await ds().update({ ...d, spec: { ...d.spec, updateStrategy: { type: 'OnDelete' } } });
    await setImage('agent', 'img:3');
    await waitFor('generation observed', async () => {
      const x = await ds().get('agent', 'default');
      return x.status?.observedGeneration === x.metadata.generation && x.status?.updatedNumberScheduled === 0;
    });
    const pods = live(await podsOf('agent'));
    expect(pods.map((p) => p.spec.containers[0]!.image)).toEqual(['img:1', 'img:1']);
    await h.client.pods.delete(pods[0]!.metadata.name!, 'default');
    await waitFor('one pod on img:3', async () => {
      const now = live(await podsOf('agent'));
      return now.length === 2 && now.filter((p) => p.spec.containers[0]!.image === 'img:3').length === 1;
    });
    expect((await ds().get('agent', 'default')).status?.updatedNumberScheduled).toBeLessThanOrEqual(1);
  });

  it('orch set image / rollout status / history / undo and orch get ds', async () => {
    await ds().create(daemonSet('cli', 'img:1'));
    const wrong = await orch(['set', 'image', 'ds/cli', 'nope=img:2']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('daemonset.apps/cli has no container "nope" (containers: main)');
    const set = await orch(['set', 'image', 'ds/cli', 'main=img:2']);
    expect(set.stdout.trim()).toBe('daemonset.apps/cli image updated');
    expect((await ds().get('cli', 'default')).spec.template.spec.containers[0]!.image).toBe('img:2');
    expect((await orch(['set', 'image', 'ds/cli', '*=img:2'])).stdout.trim()).toBe('daemonset.apps/cli image unchanged');
    const status = await orch(['rollout', 'status', 'ds/cli', '--timeout', '60s']);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(status.stdout.trim().split('\n').pop()).toBe('daemon set "cli" successfully rolled out');
    const history = await orch(['rollout', 'history', 'daemonset/cli']);
    expect(history.stdout).toMatch(/daemonset.apps\/cli\nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const undo = await orch(['rollout', 'undo', 'ds/cli', '--to-revision', '1']);
    expect(undo.stdout.trim()).toBe('daemonset.apps/cli rolled back');
    await waitFor('cli back on img:1', async () => live(await podsOf('cli')).every((p) => p.spec.containers[0]!.image === 'img:1'));
    const again = await orch(['rollout', 'undo', 'ds/cli', '--to-revision', '3']);
    expect(again.stdout.trim()).toBe('daemonset.apps/cli skipped rollback (current template already matches revision 3)');
    const missing = await orch(['rollout', 'undo', 'ds/cli', '--to-revision', '9']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('unable to find specified revision 9 in history');
    await waitFor('rolled out', async () => (await orch(['rollout', 'status', 'ds/cli'])).code === 0);
    const get = await orch(['get', 'ds', 'cli']);
    expect(get.stdout).toMatch(/NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\ncli\s+2\s+2\s+2\s+2\s+2\s+<none>/);
    const restart = await orch(['rollout', 'restart', 'ds/cli']);
    expect(restart.stdout.trim()).toBe('daemonset.apps/cli restarted');
    expect((await ds().get('cli', 'default')).spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeDefined();
    await waitFor('restart rolled out', async () => (await orch(['rollout', 'status', 'ds/cli'])).code === 0);
    const onDelete = await ds().get('cli', 'default');
    await ds().update({ ...onDelete, spec: { ...onDelete.spec, updateStrategy: { type: 'OnDelete' } } });
    const refused = await orch(['rollout', 'status', 'ds/cli']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('rollout status is only available for RollingUpdate strategy type');
    await ds().delete('cli', 'default');
  });

  it('kubectl apply, get -o json and explain work for DaemonSets', async () => {
    const file = path.join(dir, 'ds.yaml');
    fs.writeFileSync(file, JSON.stringify(daemonSet('applied', 'img:1')));
    const applied = await kubectl(['apply', '-f', file]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout.trim()).toBe('daemonset.apps/applied created');
    await waitFor('applied: 2 pods', async () => live(await podsOf('applied')).length === 2);
    const got = JSON.parse((await kubectl(['get', 'ds', 'applied', '-o', 'json'])).stdout) as DaemonSet;
    expect(got.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(got.spec.revisionHistoryLimit).toBe(10);
    const explain = await kubectl(['explain', 'daemonset.spec.updateStrategy']);
    expect(explain.code).toBe(0);
    expect(explain.stdout).toContain('rollingUpdate');
    const del = await kubectl(['delete', 'ds', 'applied']);
    expect(del.stdout.trim()).toBe('daemonset.apps "applied" deleted');
  });

  it('deleting the DaemonSet removes its pods and revisions (garbage collector)', async () => {
    await ds().delete('agent', 'default');
    await waitFor('pods and revisions gone', async () => (await podsOf('agent')).length === 0 && (await revs().list({ namespace: 'default', labelSelector: 'ds=agent' })).items.length === 0);
  });
});
