// ApiClient: the Client contract (client/types.ts) over HTTP(S). One instance per process
// is enough: it holds keep-alive socket pools and one ResourceClient per resource.

import type http from 'node:http';
import { resolveResourceName, resourcePath, RESOURCES, type ResourceInfo } from '../api/resources.js';
import type {
  ConfigMap,
  Deployment,
  Endpoints,
  Event,
  KubeObject,
  Lease,
  Namespace,
  Node,
  Pod,
  ReplicaSet,
  Secret,
  Service,
  TokenRequest,
} from '../api/types.js';
import { HttpTransport, type RequestOptions } from './http-transport.js';
import type { Logger } from '../foundation/logger.js';
import type { RequestObserver } from './metrics.js';
import { RestResourceClient } from './rest-resource-client.js';
import type { Client, ClientConfig, PodLogOptions, ResourceClient } from './types.js';
import type { RemoteCommandStreams } from './remote-command.js';
import type { ChannelStatus } from '../api/remote-command.js';

export class ApiClient implements Client {
  private readonly http: HttpTransport;
  private readonly logger?: Logger;
  private readonly clients = new Map<string, RestResourceClient<KubeObject>>();

  constructor(
    private readonly config: ClientConfig,
    opts: { logger?: Logger; observe?: RequestObserver } = {},
  ) {
    this.logger = opts.logger;
    this.http = new HttpTransport(config, opts.logger, opts.observe);
  }

  /** The server URL this client talks to (for messages). */
  get server(): string {
    return this.http.serverUrl;
  }

  resource<T extends KubeObject = KubeObject>(name: string): ResourceClient<T> {
    const info = resolveResourceName(name);
    if (!info) {
      const known = RESOURCES.map((r) => r.plural).join(', ');
      throw new Error(`unknown resource type "${name}" (known: ${known})`);
    }
    let rc = this.clients.get(info.plural);
    if (!rc) {
      rc = new RestResourceClient<KubeObject>(info, this.http, this.logger);
      this.clients.set(info.plural, rc);
    }
    return rc as unknown as ResourceClient<T>;
  }

  resourceFor<T extends KubeObject = KubeObject>(info: ResourceInfo): ResourceClient<T> {
    const key = `${info.group}/${info.version}/${info.plural}`;
    let rc = this.clients.get(key);
    if (!rc) {
      rc = new RestResourceClient<KubeObject>(info, this.http, this.logger);
      this.clients.set(key, rc);
    }
    return rc as unknown as ResourceClient<T>;
  }

  discovery<T = unknown>(path: string): Promise<T> {
    return this.http.request<T>('GET', path);
  }

  get namespaces(): ResourceClient<Namespace> {
    return this.resource<Namespace>('namespaces');
  }
  get nodes(): ResourceClient<Node> {
    return this.resource<Node>('nodes');
  }
  get pods(): ResourceClient<Pod> {
    return this.resource<Pod>('pods');
  }
  get services(): ResourceClient<Service> {
    return this.resource<Service>('services');
  }
  get endpoints(): ResourceClient<Endpoints> {
    return this.resource<Endpoints>('endpoints');
  }
  get configmaps(): ResourceClient<ConfigMap> {
    return this.resource<ConfigMap>('configmaps');
  }
  get secrets(): ResourceClient<Secret> {
    return this.resource<Secret>('secrets');
  }
  get events(): ResourceClient<Event> {
    return this.resource<Event>('events');
  }
  get deployments(): ResourceClient<Deployment> {
    return this.resource<Deployment>('deployments');
  }
  get replicasets(): ResourceClient<ReplicaSet> {
    return this.resource<ReplicaSet>('replicasets');
  }
  get leases(): ResourceClient<Lease> {
    return this.resource<Lease>('leases');
  }

  /** A service account token (TokenRequest), as the agent asks for its pods' projected volumes. */
  createToken(namespace: string, serviceAccount: string, req: TokenRequest): Promise<TokenRequest> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(serviceAccount)}/token`;
    return this.http.request<TokenRequest>('POST', path, { body: req });
  }

  async podLogs(namespace: string, name: string, opts: PodLogOptions = {}): Promise<NodeJS.ReadableStream> {
    const info = resolveResourceName('pods')!;
    return this.http.request('GET', resourcePath(info, { namespace, name, subresource: 'log' }), {
      stream: true,
      accept: '*/*',
      query: {
        container: opts.container,
        follow: opts.follow ? 'true' : undefined,
        tailLines: opts.tailLines,
        timestamps: opts.timestamps ? 'true' : undefined,
        sinceSeconds: opts.sinceSeconds,
        sinceTime: opts.sinceTime,
        limitBytes: opts.limitBytes,
        previous: opts.previous ? 'true' : undefined,
      },
    });
  }

  /**
   * pods/{name}/exec or /attach: the local streams connected over a WebSocket channel
   * protocol (client/remote-command.ts); resolves with the Status of the error channel.
   */
  async podStream(kind: 'exec' | 'attach', namespace: string, name: string, query: URLSearchParams, streams: RemoteCommandStreams): Promise<ChannelStatus> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/${kind}`;
    // Loaded when used: the WebSocket library is start-up time every other command would pay.
    const { streamRemoteCommand } = await import('./remote-command.js');
    return streamRemoteCommand(this.config, path, query, streams);
  }

  /**
   * Raw request for paths the typed API does not cover (discovery, /version, /healthz).
   * Throws ApiError for non-2xx answers and for network failures (503).
   */
  request(method: string, path: string, opts: RequestOptions & { stream: true }): Promise<http.IncomingMessage>;
  request<T = unknown>(method: string, path: string, opts?: RequestOptions): Promise<T>;
  request(method: string, path: string, opts: RequestOptions = {}): Promise<unknown> {
    return this.http.request(method, path, opts);
  }

  /** Present another client certificate from now on (see HttpTransport.setClientCertificate). */
  setClientCertificate(cert: string | Buffer, key: string | Buffer): void {
    this.http.setClientCertificate(cert, key);
  }

  /** Frees idle sockets; call at process shutdown (open watches end when stopped). */
  close(): void {
    this.http.close();
  }
}
