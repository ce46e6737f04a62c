import { describe, expect, test } from 'vitest';
import type { Lease, Node } from '../../api/types.js';
import { nodeProblem, type NodeFacts } from './node-liveness.js';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);
const ago = (s: number) => new Date(now - s * 1000).toISOString();
const node = (name: string, ready: 'True' | 'False' | 'Unknown' = 'True', reason?: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: {},
  status: { conditions: [{ type: 'Ready', status: ready, ...(reason ? { reason } : {}) }] },
});
const lease = (name: string, renewedSecondsAgo: number): Lease => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name, namespace: 'kube-node-lease' },
  spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: ago(renewedSecondsAgo) },
});
const facts = (over: Partial<NodeFacts>): NodeFacts => ({ nodes: [node('n1')], leases: [lease('n1', 5)], localAgents: new Map([['n1', { running: true, state: 'running' }]]), nowMs: now, ...over });

describe('nodeProblem: can this node still confirm the deletion of its pods?', () => {
  test('its agent runs, the Node is Ready and the Lease fresh: no problem', () => {
    expect(nodeProblem('n1', facts({}))).toBeUndefined();
  });

  test('a node that is not a local agent is judged by its Node and Lease alone', () => {
    expect(nodeProblem('n1', facts({ localAgents: new Map() }))).toBeUndefined();
  });

  test('its local agent process is gone: a problem even while Node and Lease still look fine', () => {
    expect(nodeProblem('n1', facts({ localAgents: new Map([['n1', { running: false, state: 'running' }]]) }))).toBe('agent process not running');
    expect(nodeProblem('n1', facts({ localAgents: new Map([['n1', { running: false, state: 'backoff' }]]) }))).toBe('agent process not running, waiting to be restarted');
  });

  test('Node not Ready (the node lifecycle controller marked it, or Docker is gone)', () => {
    expect(nodeProblem('n1', facts({ nodes: [node('n1', 'Unknown', 'NodeStatusUnknown')] }))).toBe('Ready=Unknown (NodeStatusUnknown)');
    expect(nodeProblem('n1', facts({ nodes: [node('n1', 'False')] }))).toBe('Ready=False');
  });

  test('a Lease not renewed for longer than its duration, before anyone marked the Node', () => {
    expect(nodeProblem('n1', facts({ leases: [lease('n1', 61)] }))).toBe('lease not renewed for 61s');
    expect(nodeProblem('n1', facts({ leases: [lease('n1', 39)] }))).toBeUndefined();
  });

  test('pods bound to a node that has no Node object', () => {
    expect(nodeProblem('gone', facts({}))).toBe('no Node object');
  });

  test('every reason at once', () => {
    const f = facts({ nodes: [node('n1', 'Unknown')], leases: [lease('n1', 100)], localAgents: new Map([['n1', { running: false }]]) });
    expect(nodeProblem('n1', f)).toBe('agent process not running, Ready=Unknown, lease not renewed for 100s');
  });
});
