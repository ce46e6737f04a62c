// ResourceClient over HTTP for one resource of the catalogue (api/resources.ts).
// Paths come from resourcePath(); namespaced kinds default to 'default' for single-object
// calls, while list/watch without a namespace span all namespaces (as kubectl -A does).

import type http from 'node:http';
import { ApiError, errors, type Status } from '../api/errors.js';
import { resourcePath, type ResourceInfo } from '../api/resources.js';
import type { Binding, KubeList, KubeObject, Scale, WatchEvent } from '../api/types.js';
import type { HttpTransport, QueryValue } from './http-transport.js';
import type { Logger } from '../foundation/logger.js';
import type { DeleteOptions, ListOptions, PatchType, ResourceClient, Watch, WatchOptions, WriteOptions } from './types.js';
import { readWatchEvents } from './watch-stream.js';

export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

function writeQuery(opts?: WriteOptions): Record<string, QueryValue> | undefined {
  if (!opts) return undefined;
  return { dryRun: opts.dryRun ? 'All' : undefined, fieldManager: opts.fieldManager };
}

function listQuery(opts: ListOptions): Record<string, QueryValue> {
  return {
    labelSelector: opts.labelSelector,
    fieldSelector: opts.fieldSelector,
    limit: opts.limit,
    continue: opts.continue,
    resourceVersion: opts.resourceVersion,
  };
}

export class RestResourceClient<T extends KubeObject> implements ResourceClient<T> {
  constructor(
    readonly info: ResourceInfo,
    private readonly http: HttpTransport,
    private readonly logger?: Logger,
  ) {}

  private ns(namespace: string | undefined): string | undefined {
    return this.info.namespaced ? namespace || 'default' : undefined;
  }

  private objectPath(name: string, namespace: string | undefined, subresource?: string): string {
    if (!name) throw errors.badRequest(`${this.info.plural}: a name is required`);
    return resourcePath(this.info, { namespace: this.ns(namespace), name, subresource });
  }

  get(name: string, namespace?: string): Promise<T> {
    return this.http.request<T>('GET', this.objectPath(name, namespace));
  }

  list(opts: ListOptions = {}): Promise<KubeList<T>> {
    const path = resourcePath(this.info, { namespace: this.info.namespaced ? opts.namespace : undefined });
    return this.http.request<KubeList<T>>('GET', path, { query: listQuery(opts) });
  }

  create(obj: T, opts?: WriteOptions): Promise<T> {
    const path = resourcePath(this.info, { namespace: this.ns(obj.metadata?.namespace) });
    return this.http.request<T>('POST', path, { body: obj, query: writeQuery(opts) });
  }

  update(obj: T, opts?: WriteOptions): Promise<T> {
    const path = this.objectPath(obj.metadata?.name ?? '', obj.metadata?.namespace);
    return this.http.request<T>('PUT', path, { body: obj, query: writeQuery(opts) });
  }

  updateStatus(obj: T, opts?: WriteOptions): Promise<T> {
    const path = this.objectPath(obj.metadata?.name ?? '', obj.metadata?.namespace, 'status');
    return this.http.request<T>('PUT', path, { body: obj, query: writeQuery(opts) });
  }

  updateSubresource(obj: T, subresource: 'approval', opts?: WriteOptions): Promise<T> {
    const path = this.objectPath(obj.metadata?.name ?? '', obj.metadata?.namespace, subresource);
    return this.http.request<T>('PUT', path, { body: obj, query: writeQuery(opts) });
  }

  patch(name: string, namespace: string | undefined, patch: unknown, type: PatchType = 'merge', opts?: WriteOptions): Promise<T> {
    return this.http.request<T>('PATCH', this.objectPath(name, namespace), {
      body: patch,
      contentType: PATCH_CONTENT_TYPES[type],
      query: writeQuery(opts),
    });
  }

  patchStatus(name: string, namespace: string | undefined, patch: unknown, type: PatchType = 'merge'): Promise<T> {
    return this.http.request<T>('PATCH', this.objectPath(name, namespace, 'status'), {
      body: patch,
      contentType: PATCH_CONTENT_TYPES[type],
    });
  }

  delete(name: string, namespace?: string, opts: DeleteOptions = {}): Promise<T | Status> {
    // Query parameters are what curl users and kubectl send; preconditions only exist in
    // the DeleteOptions body, so the body is sent only when it carries something more.
    const body = opts.preconditions
      ? { kind: 'DeleteOptions', apiVersion: 'v1', ...opts, dryRun: opts.dryRun ? ['All'] : undefined }
      : undefined;
    return this.http.request<T | Status>('DELETE', this.objectPath(name, namespace), {
      body,
      query: {
        propagationPolicy: opts.propagationPolicy,
        gracePeriodSeconds: opts.gracePeriodSeconds,
        dryRun: opts.dryRun ? 'All' : undefined,
      },
    });
  }

  watch(opts: WatchOptions = {}): Watch<T> {
    const path = resourcePath(this.info, { namespace: this.info.namespaced ? opts.namespace : undefined });
    const query: Record<string, QueryValue> = {
      ...listQuery(opts),
      watch: 'true',
      allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
      timeoutSeconds: opts.timeoutSeconds,
    };
    return new HttpWatch<T>((signal) => this.http.request('GET', path, { query, stream: true, signal }), this.logger);
  }

  async getScale(name: string, namespace: string): Promise<Scale> {
    return this.http.request<Scale>('GET', this.objectPath(name, namespace, 'scale'));
  }

  async updateScale(name: string, namespace: string, scale: Scale): Promise<Scale> {
    return this.http.request<Scale>('PUT', this.objectPath(name, namespace, 'scale'), { body: scale });
  }

  async bind(binding: Binding): Promise<void> {
    const name = binding.metadata?.name ?? '';
    const body: Binding = { apiVersion: 'v1', kind: 'Binding', ...binding };
    await this.http.request('POST', this.objectPath(name, binding.metadata?.namespace, 'binding'), { body });
  }
}

/**
 * One watch connection. The request starts when iteration starts. stop() ends the
 * iteration cleanly (done, no error) whether the consumer is waiting for an event or not;
 * a connection failure while not stopped is thrown from the iterator (as ApiError 503).
 * ERROR events (e.g. 410 Expired) are yielded as events: the informer decides what they mean.
 */
export class HttpWatch<T extends KubeObject> implements Watch<T> {
  private stopped = false;
  private response?: http.IncomingMessage;
  private readonly abort = new AbortController();

  constructor(
    private readonly open: (signal: AbortSignal) => Promise<http.IncomingMessage>,
    private readonly logger?: Logger,
  ) {}

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort(new Error('watch stopped'));
    this.response?.destroy();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    if (this.stopped) return;
    let res: http.IncomingMessage;
    try {
      res = await this.open(this.abort.signal);
    } catch (err) {
      if (this.stopped) return;
      throw err;
    }
    this.response = res;
    if (this.stopped) {
      res.destroy();
      return;
    }
    try {
      for await (const ev of readWatchEvents<T>(res)) {
        if (this.stopped) return;
        yield ev;
      }
      if (!res.complete && !this.stopped) {
        throw errors.unavailable('watch connection closed before the server finished the response');
      }
    } catch (err) {
      if (this.stopped) return;
      this.logger?.debug({ err }, 'watch stream failed');
      if (err instanceof ApiError) throw err;
      // Resets, premature closes and corrupt lines all mean the same to a caller: reopen.
      throw errors.unavailable(`watch connection lost: ${(err as Error).message}`);
    } finally {
      res.destroy();
    }
  }
}
