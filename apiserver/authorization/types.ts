// The shape every authorizer of the apiserver shares, as Kubernetes' authorizer chain:
// each one answers allow, deny or "no opinion", and the chain (chain.ts) asks them in
// order until one has an opinion. A request no authorizer allows is refused (403).
//
// `if-pod-bound` is orch's one conditional answer: a node may write the status of (or
// delete) a pod only when that pod is bound to it, which needs the stored object; the
// resource route checks it against the object it reads anyway.

import type { UserInfo } from '../../foundation/token-auth.js';
import type { ResourceRequest } from '../request-info.js';
import type { NodeGraphView } from './node-graph.js';

export type Decision =
  | { allowed: true }
  // denied: an authorizer refused outright (set by the chain), as opposed to none allowing
  // it; SubjectAccessReview reports it as status.denied.
  | { allowed: false; reason: string; denied?: boolean }
  | { allowed: 'if-pod-bound'; nodeName: string }
  | { allowed: 'no-opinion'; reason?: string };

/** A request for a path that names no resource: /api, /apis/apps/v1, /openapi/v3, /version. */
export interface NonResourceRequest {
  type: 'non-resource';
  path: string;
  /** The lowercased HTTP method (get, post, ...), as RBAC's nonResourceURLs rules use it. */
  verb: string;
}

export interface Authorizer {
  /** Shown in logs and in the reason of a refusal no authorizer had an opinion on. */
  readonly name: string;
  authorize(user: UserInfo, req: ResourceRequest): Decision;
  /** Absent: no opinion on non-resource paths. */
  authorizeNonResource?(user: UserInfo, req: NonResourceRequest): Decision;
  /**
   * Asked before a refusal becomes final: undefined when this authorizer's view cannot
   * be behind for this request, else a wait (bounded, started only when called) until it
   * has caught up with etcd, resolving true when its answer may have changed. The Node
   * authorizer's graph uses it for a pod bound a moment ago (node-graph.ts).
   */
  settle?(user: UserInfo, req: ResourceRequest): (() => Promise<boolean>) | undefined;
  /**
   * For an authorizer that needs the server's state: the server builds its chain from
   * `bind(deps)` (the Node authorizer gets the server's graph). Absent: used as it is.
   */
  bind?(deps: AuthorizerDeps): Authorizer;
}

/** What a server hands to Authorizer.bind(). */
export interface AuthorizerDeps {
  nodeGraph: NodeGraphView;
}

/** What the chain answers: never `no-opinion`. */
export type FinalDecision = Exclude<Decision, { allowed: 'no-opinion' }>;

/** One rule a user holds, as SelfSubjectRulesReview reports it (RBAC's PolicyRule). */
export interface PolicyRuleInfo {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** What a user may do in a namespace (SelfSubjectRulesReview), from the RBAC authorizer. */
export interface RulesResolver {
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRuleInfo[]; incomplete: boolean; evaluationError?: string };
}
