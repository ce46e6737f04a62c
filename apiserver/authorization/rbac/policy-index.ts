// The in-memory RBAC policy: every Role, ClusterRole, RoleBinding and ClusterRoleBinding,
// with the bindings indexed by subject ('u:<user name>', 'g:<group>'; a ServiceAccount
// subject is its user name system:serviceaccount:<ns>:<name>, as Kubernetes matches it).
// A decision visits only the bindings that name the user or one of its groups, and
// looks each one's role up by key: O(bindings naming the user), never O(all bindings).
// Roles are referenced by name, not copied into bindings, so a role edited or deleted
// changes every binding's effect at once; a binding to a missing role grants nothing.
// Fed by policy-cache.ts (list + watch of etcd); pure and synchronous, so unit tests and
// the benchmark fill it directly.

import type { ClusterRole, PolicyRule, Role, RoleBinding } from '../../../api/rbac-types.js';
import type { KubeObject } from '../../../api/types.js';
import { compileRule, type CompiledRule } from './rule-match.js';

export type PolicyKind = 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';

interface CompiledRole {
  rules: CompiledRule[];
}

export interface BindingEntry {
  /** 'ns/name' (RoleBinding) or 'name' (ClusterRoleBinding). */
  readonly key: string;
  /** Set for RoleBindings: they apply only to requests in this namespace. */
  readonly namespace?: string;
  readonly roleKind: string;
  readonly roleName: string;
  readonly subjectKeys: readonly string[];
}

export const SA_PREFIX = 'system:serviceaccount:';

/** The index keys of a binding's subjects (a ServiceAccount without namespace: the RoleBinding's). */
function subjectKeys(b: RoleBinding, bindingNs: string | undefined): string[] {
  const keys = new Set<string>();
  for (const s of Array.isArray(b.subjects) ? b.subjects : []) {
    if (!s || typeof s.name !== 'string') continue;
    if (s.kind === 'User') keys.add(`u:${s.name}`);
    else if (s.kind === 'Group') keys.add(`g:${s.name}`);
    else if (s.kind === 'ServiceAccount') {
      const ns = s.namespace || bindingNs;
      if (ns) keys.add(`u:${SA_PREFIX}${ns}:${s.name}`);
    }
  }
  return [...keys];
}

export class PolicyIndex {
  private readonly roles = new Map<string, CompiledRole>();
  private readonly clusterRoles = new Map<string, CompiledRole>();
  private readonly bindings = new Map<string, BindingEntry>();
  private readonly bySubject = new Map<string, Set<BindingEntry>>();

  /** Adds or replaces an object of one of the four kinds. */
  put(kind: PolicyKind, obj: KubeObject): void {
    const ns = obj.metadata.namespace;
    const name = obj.metadata.name ?? '';
    switch (kind) {
      case 'Role':
        this.roles.set(`${ns}/${name}`, compileRole(obj as Role));
        return;
      case 'ClusterRole':
        this.clusterRoles.set(name, compileRole(obj as ClusterRole));
        return;
      case 'RoleBinding':
      case 'ClusterRoleBinding': {
        const b = obj as RoleBinding;
        const bindingNs = kind === 'RoleBinding' ? ns : undefined;
        const key = bindingNs ? `${bindingNs}/${name}` : name;
        this.removeBinding(kind, key);
        const entry: BindingEntry = {
          key,
          namespace: bindingNs,
          roleKind: b.roleRef?.kind ?? '',
          roleName: b.roleRef?.name ?? '',
          subjectKeys: subjectKeys(b, bindingNs),
        };
        this.bindings.set(`${kind}:${key}`, entry);
        for (const k of entry.subjectKeys) {
          let set = this.bySubject.get(k);
          if (!set) this.bySubject.set(k, (set = new Set()));
          set.add(entry);
        }
      }
    }
  }

  remove(kind: PolicyKind, namespace: string | undefined, name: string): void {
    if (kind === 'Role') this.roles.delete(`${namespace}/${name}`);
    else if (kind === 'ClusterRole') this.clusterRoles.delete(name);
    else this.removeBinding(kind, kind === 'RoleBinding' ? `${namespace}/${name}` : name);
  }

  /** Drops everything of one kind (a relist replaces it). */
  clear(kind: PolicyKind): void {
    if (kind === 'Role') this.roles.clear();
    else if (kind === 'ClusterRole') this.clusterRoles.clear();
    else for (const id of [...this.bindings.keys()]) if (id.startsWith(`${kind}:`)) this.removeBinding(kind, id.slice(kind.length + 1));
  }

  private removeBinding(kind: string, key: string): void {
    const id = `${kind}:${key}`;
    const old = this.bindings.get(id);
    if (!old) return;
    this.bindings.delete(id);
    for (const k of old.subjectKeys) {
      const set = this.bySubject.get(k);
      set?.delete(old);
      if (set?.size === 0) this.bySubject.delete(k);
    }
  }

  /** The bindings naming any of these subject keys. */
  bindingsFor(keys: readonly string[]): Iterable<BindingEntry> {
    const out: BindingEntry[] = [];
    for (const k of keys) {
      const set = this.bySubject.get(k);
      if (set) for (const b of set) out.push(b);
    }
    return out;
  }

  /** The compiled rules of a binding's role, or undefined when the role does not exist. */
  rulesOf(b: BindingEntry): CompiledRule[] | undefined {
    if (b.roleKind === 'ClusterRole') return this.clusterRoles.get(b.roleName)?.rules;
    if (b.roleKind === 'Role' && b.namespace) return this.roles.get(`${b.namespace}/${b.roleName}`)?.rules;
    return undefined;
  }

  /** A role's rules by reference (escalation checks of a new binding). */
  roleRules(kind: string, namespace: string | undefined, name: string): PolicyRule[] | undefined {
    const r = kind === 'ClusterRole' ? this.clusterRoles.get(name) : this.roles.get(`${namespace}/${name}`);
    return r?.rules.map((c) => c.source);
  }

  counts(): { roles: number; clusterRoles: number; bindings: number } {
    return { roles: this.roles.size, clusterRoles: this.clusterRoles.size, bindings: this.bindings.size };
  }
}

function compileRole(r: Role): CompiledRole {
  const rules = Array.isArray(r.rules) ? r.rules : [];
  return { rules: rules.filter((x) => x && typeof x === 'object').map(compileRule) };
}

/** The index keys a user matches: its name and each of its groups. */
export function subjectKeysOfUser(user: { name: string; groups: readonly string[] }): string[] {
  const keys = [`u:${user.name}`];
  for (const g of user.groups) keys.push(`g:${g}`);
  return keys;
}
