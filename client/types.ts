// The client contract every orch process programs against. client/rest-client.ts
// implements it over HTTP; unit tests of controllers, the scheduler and the agent use
// client/testing/fake-client.ts (in-memory, records every write). Nothing here does I/O.

import type { KubeList, KubeObject, WatchEvent, Scale, Binding } from '../api/types.js';
import type { Status } from '../api/errors.js';

export interface ListOptions {
  /** Omit for cluster-scoped kinds or for a list across all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface WriteOptions {
  /** Server-side dry run: validated and defaulted, not stored. */
  dryRun?: boolean;
  /** Manager name recorded by the server where supported. */
  fieldManager?: string;
}

export type PatchType = 'merge' | 'json' | 'strategic';

/** A running watch: iterate events; stop() ends it (the iterator then finishes). */
export interface Watch<T extends KubeObject> extends AsyncIterable<WatchEvent<T>> {
  stop(): void;
}

/** CRUD + watch for one resource (e.g. pods). Namespaced kinds take a namespace. */
export interface ResourceClient<T extends KubeObject> {
  get(name: string, namespace?: string): Promise<T>;
  list(opts?: ListOptions): Promise<KubeList<T>>;
  /** Namespace comes from obj.metadata.namespace (default 'default' for namespaced kinds). */
  create(obj: T, opts?: WriteOptions): Promise<T>;
  /** PUT; obj.metadata.resourceVersion is the optimistic-concurrency precondition. */
  update(obj: T, opts?: WriteOptions): Promise<T>;
  /** PUT .../status */
  updateStatus(obj: T, opts?: WriteOptions): Promise<T>;
  /** PUT to a status-like subresource (certificatesigningrequests/approval). */
  updateSubresource(obj: T, subresource: 'approval', opts?: WriteOptions): Promise<T>;
  patch(name: string, namespace: string | undefined, patch: unknown, type?: PatchType, opts?: WriteOptions): Promise<T>;
  patchStatus(name: string, namespace: string | undefined, patch: unknown, type?: PatchType): Promise<T>;
  /** Returns the object (graceful delete / finalizers pending) or a Success Status. */
  delete(name: string, namespace?: string, opts?: DeleteOptions): Promise<T | Status>;
  watch(opts?: WatchOptions): Watch<T>;
  /** /scale subresource (deployments, replicasets). */
  getScale(name: string, namespace: string): Promise<Scale>;
  updateScale(name: string, namespace: string, scale: Scale): Promise<Scale>;
  /** POST pods/{name}/binding */
  bind(binding: Binding): Promise<void>;
}

export interface ClientConfig {
  /** https://host:port or http://host:port */
  server: string;
  token?: string;
  /** PEM CA bundle used to verify the server's certificate. */
  ca?: string | Buffer;
  /** Skip certificate verification (development only). */
  insecureSkipTLSVerify?: boolean;
  /** Client certificate and key (PEM) presented to the server (kubeconfig users with certificates). */
  clientCert?: string | Buffer;
  clientKey?: string | Buffer;
  /** Name to check the server's certificate against, instead of the URL's host (kubeconfig tls-server-name). */
  tlsServerName?: string;
  /** Per-request timeout for non-watch requests, ms (default 30 000). */
  timeoutMs?: number;
  /** Shown in the server's request log. */
  userAgent?: string;
}

export interface PodLogOptions {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  timestamps?: boolean;
  sinceSeconds?: number;
  /** RFC 3339; at most one of sinceSeconds / sinceTime. */
  sinceTime?: string;
  limitBytes?: number;
  previous?: boolean;
}

/**
 * Everything a controller, the scheduler, the agent or the CLI needs from the API.
 * ApiClient (HTTP) and FakeClient (in-memory, for unit tests) both implement it.
 */
export interface Client {
  /** By plural ('pods'), kind ('Pod'), or short name ('po'); throws for unknown resources. */
  resource<T extends KubeObject = KubeObject>(name: string): ResourceClient<T>;
  readonly namespaces: ResourceClient<import('../api/types.js').Namespace>;
  readonly nodes: ResourceClient<import('../api/types.js').Node>;
  readonly pods: ResourceClient<import('../api/types.js').Pod>;
  readonly services: ResourceClient<import('../api/types.js').Service>;
  readonly endpoints: ResourceClient<import('../api/types.js').Endpoints>;
  readonly configmaps: ResourceClient<import('../api/types.js').ConfigMap>;
  readonly secrets: ResourceClient<import('../api/types.js').Secret>;
  readonly events: ResourceClient<import('../api/types.js').Event>;
  readonly deployments: ResourceClient<import('../api/types.js').Deployment>;
  readonly replicasets: ResourceClient<import('../api/types.js').ReplicaSet>;
  readonly leases: ResourceClient<import('../api/types.js').Lease>;
  /** POST serviceaccounts/{name}/token (TokenRequest); absent in clients that cannot. */
  createToken?(namespace: string, serviceAccount: string, req: import('../api/types.js').TokenRequest): Promise<import('../api/types.js').TokenRequest>;
  /** GET pods/{name}/log as a stream of bytes (follow keeps it open). */
  podLogs(namespace: string, name: string, opts?: PodLogOptions): Promise<NodeJS.ReadableStream>;
  /** A client for a resource outside the built-in catalogue (a custom resource found by discovery); absent in clients that cannot. */
  resourceFor?<T extends KubeObject = KubeObject>(info: import('../api/resources.js').ResourceInfo): ResourceClient<T>;
  /** GET of a discovery document (`/apis/{group}/{version}`); absent in clients that cannot. */
  discovery?<T = unknown>(path: string): Promise<T>;
}
