// What the route handlers share: the store, storage (for watch), metrics, the open
// watches, settings, and the identity of the request (attached to fastify's request).

import type { Logger } from 'pino';
import type { Clock } from '../client/clock.js';
import type { UserInfo } from './auth.js';
import type { ApiserverMetrics } from './metrics.js';
import type { RequestInfo } from './request-info.js';
import type { Store } from './registry/store.js';
import type { Storage } from './storage/types.js';
import type { WatchRegistry, WatchSettings } from './watch.js';

/** How the apiserver reaches node agents (pod logs): its own token and the agents' CA. */
export interface AgentClientOptions {
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
  nowIso(): string;
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: UserInfo;
    orchInfo?: RequestInfo;
  }
}
