import { describe, expect, it } from 'vitest';
import { makePodInfo } from './pod-info.js';
import { ClusterSnapshot } from './snapshot.js';
import { makeNode, makePod } from './testing/builders.js';

describe('ClusterSnapshot', () => {
  it('counts pods bound to a node it has not seen yet once the node arrives', () => {
    const s = new ClusterSnapshot();
    s.upsertPod(makePod({ name: 'early', cpu: '1', nodeName: 'late-node' }));
    expect(s.nodeList()).toHaveLength(0);
    s.upsertNode(makeNode({ name: 'late-node' }));
    expect(s.get('late-node')!.requested.cpu).toBe(1000);
  });

  it('drops a deleted node from the list, and frees resources of finished and deleted pods', () => {
    const s = new ClusterSnapshot();
    s.upsertNode(makeNode({ name: 'a' }));
    s.upsertNode(makeNode({ name: 'b' }));
    const p = makePod({ name: 'p', cpu: '1', nodeName: 'a', hostPorts: [80], ownerUid: 'rs' });
    s.upsertPod(p);
    expect(s.get('a')).toMatchObject({ podCount: 1, requested: { cpu: 1000 } });
    expect(s.get('a')!.usedPorts).toHaveLength(1);
    expect(s.get('a')!.spreadCounts.get('owner:rs')).toBe(1);
    s.upsertPod({ ...p, status: { phase: 'Succeeded' } });
    expect(s.get('a')).toMatchObject({ podCount: 0, requested: { cpu: 0 } });
    expect(s.get('a')!.usedPorts).toHaveLength(0);
    expect(s.get('a')!.spreadCounts.size).toBe(0);
    s.upsertPod(makePod({ name: 'q', cpu: '1', nodeName: 'a' }));
    s.removePod('default/q');
    expect(s.get('a')!.podCount).toBe(0);
    s.removeNode('b');
    expect(s.nodeList().map((n) => n.name)).toEqual(['a']);
  });

  it('moves an assumed pod to the node the informer reports (another scheduler won)', () => {
    const s = new ClusterSnapshot();
    s.upsertNode(makeNode({ name: 'a' }));
    s.upsertNode(makeNode({ name: 'b' }));
    const p = makePod({ name: 'p', cpu: '1' });
    s.assume(makePodInfo(p), 'a');
    s.upsertPod({ ...p, spec: { ...p.spec, nodeName: 'b' } });
    expect([s.get('a')!.podCount, s.get('b')!.podCount]).toEqual([0, 1]);
    expect(s.isAssumed('default/p')).toBe(false);
    // A late forget (the binding's 409) must not remove the confirmed pod.
    s.forget('default/p');
    expect(s.get('b')!.podCount).toBe(1);
  });
});
