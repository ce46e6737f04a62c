// What the route handlers share: the store, storage (for watch), metrics, the open
// watches, settings, and the identity of the request (attached to fastify's request).

import type { Logger } from 'pino';
import type { Clock } from '../foundation/clock.js';
import type { Authenticator, UserInfo } from '../foundation/token-auth.js';
import type { AuthorizerChain } from './authorization/chain.js';
import type { RulesResolver } from './authorization/types.js';
import type { ServiceAccountTokenConfig } from './authentication/service-account-tokens.js';
import type { ApiserverMetrics } from './metrics.js';
import type { RequestInfo, ResourceRequest } from './request-info.js';
import type { KubeObject } from '../api/types.js';
import type { Store } from './registry/store.js';
import type { Storage } from './storage/types.js';
import type { RequestAdmission } from './admission/types.js';
import type { WatchRegistry, WatchSettings } from './watch.js';
import type { ResourceMetricsStore } from './metrics-api/metrics-store.js';
import type { CrdRegistry } from './crd/crd-registry.js';

/**
 * How the apiserver reaches node agents (pod logs): the agents' CA, its own client
 * certificate for them, and optionally a dedicated bearer token (never an API token).
 */
export interface AgentClientOptions {
  /** PEM client certificate and key the apiserver authenticates to agents with (mTLS). */
  clientCert?: string | Buffer;
  clientKey?: string | Buffer;
  /** A bearer token only agents accept; refused if the API's token file accepts it. */
  token?: string;
  /** PEM CA bundle that signed the agents' serving certificates. */
  ca?: string | Buffer;
  /** Plain HTTP to agents (tests / --insecure dev clusters only). */
  insecureHttp?: boolean;
}

export interface ServerContext {
  store: Store;
  storage: Storage;
  logger: Logger;
  metrics: ApiserverMetrics;
  watches: WatchRegistry;
  watchSettings: WatchSettings;
  clock: Clock;
  agentClient?: AgentClientOptions;
  /** The API's own authenticator (null: none), so no API credential is ever sent to an agent. */
  auth?: Authenticator | null;
  /** Who may do what (authorization/): Node, then RBAC. */
  authorizer: AuthorizerChain;
  /** The rules a user holds (SelfSubjectRulesReview); absent until RBAC provides them. */
  rulesResolver?: RulesResolver;
  /** Signing keys and rules of service account tokens (absent: no TokenRequest, no pod token volumes). */
  serviceAccountTokens?: ServiceAccountTokenConfig;
  /** Pods get a service account and its token volume on create (admission/service-account.ts). */
  serviceAccountAdmission?: boolean;
  /** A last check of what a user's write would store (RBAC escalation prevention), or undefined. */
  writeAdmission?: (user: UserInfo, info: ResourceRequest) => ((current: KubeObject | undefined, next: KubeObject) => void) | undefined;
  nowIso(): string;
  /** metrics.k8s.io figures gathered from the agents (metrics-api/); absent: not gathered. */
  resourceMetrics?: ResourceMetricsStore;
  /** The custom resources of CustomResourceDefinitions (crd/). */
  crds?: CrdRegistry;
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: UserInfo;
    orchInfo?: RequestInfo;
    /** What admission said about this request's write (warnings, audit annotations): admission/request-annotations.ts. */
    orchAdmission?: RequestAdmission;
  }
}
