// The pure decisions behind the verbs (their end-to-end tests against kubectl are in
// test/e2e/cli-verbs-kubectl.test.ts and cli-drain.test.ts).

import { describe, expect, test } from 'vitest';
import type { KubeObject, Pod } from '../../api/types.js';
import { classifyPods } from './drain.js';
import { metadataPatch, splitChanges } from './label.js';
import { applyTaintChanges, parseTaintSpecs } from './taint.js';
import { parseFor } from './wait.js';
import { containerNameFor } from './create.js';
import { runPod } from './run.js';

describe('label / annotate arguments', () => {
  test('objects first, then KEY=VALUE and KEY-', () => {
    expect(splitChanges(['pods', 'a', 'b', 'x=1', 'y-'], 'label')).toEqual({ objects: ['pods', 'a', 'b'], changes: { set: { x: '1' }, remove: ['y'] } });
    expect(splitChanges(['pod/a', 'x='], 'label').changes.set).toEqual({ x: '' });
    expect(() => splitChanges(['pods', 'a'], 'label')).toThrow(/at least one label update is required/);
    expect(() => splitChanges(['pods', 'a', 'x=1', 'x-'], 'label')).toThrow(/can not both modify and remove/);
    // A prefixed key's removal is a change, not TYPE/NAME.
    expect(splitChanges(['namespace', 'default', 'pod-security.kubernetes.io/enforce-'], 'label')).toEqual({ objects: ['namespace', 'default'], changes: { set: {}, remove: ['pod-security.kubernetes.io/enforce'] } });
  });

  test('the merge patch, --overwrite, and what is reported', () => {
    const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', resourceVersion: '9', labels: { x: '1', y: '2' } } } as KubeObject;
    expect(() => metadataPatch(obj, 'labels', { set: { x: '3' }, remove: [] }, false)).toThrow("'x' already has a value (1), and --overwrite is false");
    expect(metadataPatch(obj, 'labels', { set: { x: '3' }, remove: ['y'] }, true).patch).toEqual({ metadata: { labels: { x: '3', y: null }, resourceVersion: '9' } });
    expect(metadataPatch(obj, 'labels', { set: { x: '1' }, remove: [] }, false).patch).toBeUndefined();
    const removal = metadataPatch(obj, 'labels', { set: {}, remove: ['y', 'nope'] }, false);
    expect(removal.removedOnly).toBe(true);
    expect(removal.warnings).toEqual(['label "nope" not found.']);
  });
});

describe('taints', () => {
  test("kubectl's spec syntax", () => {
    expect(parseTaintSpecs(['a=b:NoSchedule', 'c:NoExecute', 'd-', 'e:PreferNoSchedule-'])).toEqual({
      add: [{ key: 'a', value: 'b', effect: 'NoSchedule' }, { key: 'c', effect: 'NoExecute' }],
      remove: [{ key: 'd', effect: undefined }, { key: 'e', effect: 'PreferNoSchedule' }],
    });
    expect(() => parseTaintSpecs(['a=b:Sometimes'])).toThrow(/unsupported taint effect "Sometimes"/);
    expect(() => parseTaintSpecs(['a=b'])).toThrow(/invalid taint spec: a=b/);
    expect(() => parseTaintSpecs(['a:NoSchedule', 'a-'])).toThrow(/can not both modify and remove/);
  });

  test('add, overwrite, remove by key or key and effect', () => {
    const cur = [{ key: 'a', value: '1', effect: 'NoSchedule' as const }, { key: 'a', effect: 'NoExecute' as const }];
    expect(() => applyTaintChanges('n', cur, parseTaintSpecs(['a=2:NoSchedule']), false)).toThrow('node n already has a taint(s) with same effect(s) and --overwrite is false');
    expect(applyTaintChanges('n', cur, parseTaintSpecs(['a=2:NoSchedule']), true)).toEqual([{ key: 'a', value: '2', effect: 'NoSchedule' }, { key: 'a', effect: 'NoExecute' }]);
    expect(applyTaintChanges('n', cur, parseTaintSpecs(['a:NoExecute-']), false)).toEqual([cur[0]]);
    expect(applyTaintChanges('n', cur, parseTaintSpecs(['a-']), false)).toEqual([]);
    expect(() => applyTaintChanges('n', cur, parseTaintSpecs(['b-']), false)).toThrow('taint "b" not found');
  });
});

describe('wait --for', () => {
  const pod = (status: unknown) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status }) as unknown as KubeObject;
  test('conditions (case-insensitive, =false), jsonpath with and without a value, delete', () => {
    const ready = pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] });
    expect(parseFor('condition=Ready').test(ready)).toBe(true);
    expect(parseFor('condition=ready=true').test(ready)).toBe(true);
    expect(parseFor('condition=Ready=false').test(ready)).toBe(false);
    expect(parseFor('jsonpath={.status.phase}=Running').test(ready)).toBe(true);
    expect(parseFor('jsonpath={.status.phase}=Pending').test(ready)).toBe(false);
    expect(parseFor('jsonpath={.status.phase}').test(ready)).toBe(true);
    expect(parseFor('jsonpath=.status.nope').test(ready)).toBe(false);
    expect(parseFor('delete').test(undefined)).toBe(true);
    expect(() => parseFor('ready')).toThrow(/unrecognized condition "ready"/);
  });
});

describe('drain pod filters', () => {
  const p = (name: string, extra: Partial<Pod['metadata']> = {}, spec: Partial<Pod['spec']> = {}, phase?: string): Pod =>
    ({ metadata: { name, namespace: 'ns', ...extra }, spec: { containers: [], ...spec }, status: phase ? { phase } : {} }) as Pod;
  const owned = (kind: string) => ({ ownerReferences: [{ apiVersion: 'apps/v1', kind, name: 'o', uid: 'u', controller: true }] });
  test('blocks, warns or passes as kubectl does', () => {
    const pods = [p('rs', owned('ReplicaSet')), p('bare'), p('done', {}, {}, 'Succeeded'), p('ds', owned('DaemonSet')), p('mirror', { annotations: { 'kubernetes.io/config.mirror': 'x' } }), p('tmp', owned('ReplicaSet'), { volumes: [{ name: 'v', emptyDir: {} }] })];
    const strict = classifyPods(pods, {});
    expect(strict.errors).toEqual([
      'cannot delete Pods that declare no controller (use --force to override): ns/bare',
      'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ns/ds',
      'cannot delete Pods with local storage (use --delete-emptydir-data to override): ns/tmp',
    ]);
    const loose = classifyPods(pods, { force: true, ignoreDaemonsets: true, deleteEmptydirData: true });
    expect(loose.errors).toEqual([]);
    expect(loose.evict.map((x) => x.metadata.name)).toEqual(['rs', 'bare', 'done', 'tmp']);
    expect(loose.warnings).toEqual(['ignoring DaemonSet-managed Pods: ns/ds', 'deleting Pods that declare no controller: ns/bare', 'deleting Pods with local storage: ns/tmp']);
  });
});

describe('generators', () => {
  test('container names from images, as kubectl derives them', () => {
    const taken = new Set<string>();
    expect(containerNameFor('registry.local:5000/team/my_app:v1', taken)).toBe('my-app');
    expect(containerNameFor('busybox@sha256:abc', taken)).toBe('busybox');
    expect(containerNameFor('other/busybox:1', taken)).toBe('busybox-2');
  });

  test('run: args or --command, labels, restart policy', () => {
    const pod = runPod('r', ['sleep', '1'], { image: 'busybox', restart: 'Never', command: true, env: ['A=1'], port: '80' });
    expect(pod.metadata.labels).toEqual({ run: 'r' });
    expect(pod.spec.containers[0]).toEqual({ name: 'r', image: 'busybox', command: ['sleep', '1'], ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] });
    expect(() => runPod('r', [], { image: 'b', restart: 'Sometimes' })).toThrow(/invalid restart policy "Sometimes"/);
    expect(() => runPod('r', [], { image: 'b', restart: 'Always', command: true })).toThrow(/--command needs the command/);
  });
});
