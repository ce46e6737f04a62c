// RBAC objects as `kubectl get` prints them (Kubernetes' printRole / printClusterRole /
// printRoleBinding / printClusterRoleBinding): roles show when they were created, not an
// age; bindings show Kind/name of their role and, with -o wide, their subjects by kind.

import type { KubeObject } from '../types.js';
import type { RoleBinding } from '../rbac-types.js';
import { AGE, column, NAME, type KindTable } from './columns.js';
import { timestampAge } from './duration.js';

/** RFC 3339 in UTC without fractions, as Go's time.RFC3339. */
function createdAt(o: KubeObject): string {
  const ts = o.metadata.creationTimestamp;
  const ms = ts ? Date.parse(ts) : NaN;
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

const roleTable: KindTable = {
  columns: [NAME, column('Created At', 'date')],
  row: (o) => [o.metadata.name ?? '', createdAt(o)],
};

/** Kubernetes' rbac.SubjectsStrings: users, groups and service accounts (namespace/name). */
export function subjectsStrings(b: RoleBinding): { users: string[]; groups: string[]; serviceAccounts: string[] } {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const s of b.subjects ?? []) {
    if (s.kind === 'User') users.push(s.name);
    else if (s.kind === 'Group') groups.push(s.name);
    else if (s.kind === 'ServiceAccount') serviceAccounts.push(s.namespace ? `${s.namespace}/${s.name}` : s.name);
  }
  return { users, groups, serviceAccounts };
}

const bindingTable: KindTable = {
  columns: [NAME, column('Role'), AGE, column('Users', 'string', { wide: true }), column('Groups', 'string', { wide: true }), column('ServiceAccounts', 'string', { wide: true })],
  row(o, now) {
    const b = o as RoleBinding;
    const s = subjectsStrings(b);
    return [b.metadata.name ?? '', `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`, timestampAge(b.metadata.creationTimestamp, now), s.users.join(', '), s.groups.join(', '), s.serviceAccounts.join(', ')];
  },
};

export const RBAC_TABLES: Record<string, KindTable> = {
  roles: roleTable,
  clusterroles: roleTable,
  rolebindings: bindingTable,
  clusterrolebindings: bindingTable,
};
