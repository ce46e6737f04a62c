// Aggregated rules: the union of the selected roles' rules, by name order, without repeats or itself.

import { describe, expect, test } from 'vitest';
import type { ClusterRole } from '../../api/rbac-types.js';
import { aggregatedRules } from './controller.js';

const cr = (name: string, labels: Record<string, string>, rules: ClusterRole['rules'], agg?: string): ClusterRole => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name, labels },
  rules,
  ...(agg ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [agg]: 'true' } }] } } : {}),
});

describe('aggregatedRules', () => {
  test('admin ⊇ edit ⊇ view through the labels, each rule once', () => {
    const pods = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
    const cms = { verbs: ['create'], apiGroups: [''], resources: ['configmaps'] };
    const view = cr('view', { 'to-edit': 'true' }, [pods], 'to-view');
    const all = [cr('b-extra', { 'to-view': 'true' }, [pods]), cr('a-base', { 'to-view': 'true' }, [pods, cms]), view, cr('other', {}, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }])];
    expect(aggregatedRules(view, all)).toEqual([pods, cms]);
    const self = cr('self', { 'to-view': 'true' }, [{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }], 'to-view');
    expect(aggregatedRules(self, [...all, self])).toEqual([pods, cms]);
  });
});
