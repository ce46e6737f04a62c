import { describe, expect, test } from 'vitest';
import { findResource } from '../../api/resources.js';
import type { RequestInfo } from '../request-info.js';
import { classify } from './classify.js';

const res = (group: string, version: string, plural: string, extra: Partial<RequestInfo> = {}): RequestInfo =>
  ({ type: 'resource', resource: findResource(group, version, plural)!, verb: 'update', ...extra }) as RequestInfo;
const node = (n: string) => ({ name: `system:node:${n}`, groups: ['system:nodes'] });

describe('classify (flow schemas)', () => {
  test('system:masters is exempt', () => {
    expect(classify({ name: 'admin', groups: ['system:masters'] }, res('', 'v1', 'pods'))).toMatchObject({ priorityLevel: 'exempt' });
  });
  test("a node's Node, Node status and Lease writes are node-high; its other requests are system; each node is its own flow", () => {
    expect(classify(node('a'), res('', 'v1', 'nodes', { subresource: 'status' }))).toEqual({ flowSchema: 'system-node-high', priorityLevel: 'node-high', flow: 'system:node:a' });
    expect(classify(node('b'), res('coordination.k8s.io', 'v1', 'leases'))).toMatchObject({ priorityLevel: 'node-high', flow: 'system:node:b' });
    expect(classify(node('a'), res('', 'v1', 'pods', { subresource: 'status' }))).toMatchObject({ priorityLevel: 'system', flowSchema: 'system-nodes' });
    expect(classify(node('a'), { type: 'groups' })).toMatchObject({ priorityLevel: 'system' });
  });
  test('scheduler and controller manager: leases at leader-election, the rest at workload-high', () => {
    for (const name of ['system:scheduler', 'system:controller-manager', 'system:kube-scheduler']) {
      expect(classify({ name, groups: [] }, res('coordination.k8s.io', 'v1', 'leases'))).toMatchObject({ priorityLevel: 'leader-election', flow: name });
      expect(classify({ name, groups: [] }, res('', 'v1', 'pods'))).toMatchObject({ priorityLevel: 'workload-high', flow: name });
    }
  });
  test('any other user is workload-low, by user; without authentication everybody is one anonymous flow', () => {
    expect(classify({ name: 'ci-bot', groups: ['team'] }, res('apps', 'v1', 'deployments'))).toEqual({ flowSchema: 'global-default', priorityLevel: 'workload-low', flow: 'ci-bot' });
    expect(classify(undefined, undefined)).toMatchObject({ priorityLevel: 'workload-low', flow: 'system:anonymous' });
  });
});
