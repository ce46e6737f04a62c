// HTTP watch streams: newline-delimited JSON events over chunked HTTP, headers flushed at
// once and each event written (so flushed) in the event-loop turn it arrives in (events of
// one turn share a write: watch-flush.ts). Selectors are applied per
// watcher, including the transitions Kubernetes reports: an object that stops matching
// is sent as DELETED, one that starts matching as ADDED. A watcher whose socket cannot
// keep up is cut off (the client resumes from its last resourceVersion) rather than
// buffered without bound.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ApiError, makeStatus, type Status } from '../api/errors.js';
import { apiVersionOf, type ResourceInfo } from '../api/resources.js';
import type { KubeObject, WatchEvent } from '../api/types.js';
import type { Storage, StorageEvent } from './storage/types.js';
import type { ListOptionsParsed } from './list-options.js';
import { parseResourceVersion } from './list-options.js';
import { collectionPrefix } from './registry/keys.js';
import { CoalescingWriter } from './watch-flush.js';

export interface WatchSettings {
  /** Upper bound of a watch's life; the real bound is drawn in [max, 2·max) like Kubernetes' minRequestTimeout. */
  maxSeconds: number;
  bookmarkIntervalMs: number;
  /** Bytes buffered for one slow watcher before it is disconnected. */
  maxBufferedBytes: number;
  random: () => number;
}

/** How long an ended watch may take to hand its last bytes to the client before the socket is closed. */
const END_GRACE_MS = 10_000;

export const DEFAULT_WATCH_SETTINGS: WatchSettings = {
  maxSeconds: 1800,
  bookmarkIntervalMs: 60_000,
  maxBufferedBytes: 16 * 1024 * 1024,
  random: Math.random,
};

/** Tracks open watches so shutdown can end them and metrics can count them. */
export class WatchRegistry {
  private readonly open = new Set<() => void>();
  add(stop: () => void): () => void {
    this.open.add(stop);
    return () => this.open.delete(stop);
  }
  get size(): number {
    return this.open.size;
  }
  closeAll(): void {
    for (const stop of [...this.open]) stop();
  }
}

/**
 * The type under which this watcher sees a storage event, given its predicate;
 * undefined = skip. Without a predicate the object is never decoded.
 */
export function filterEvent(ev: StorageEvent, predicate?: (o: KubeObject) => boolean): WatchEvent['type'] | undefined {
  if (!predicate) return ev.type;
  const now = safeMatch(predicate, ev.object);
  if (ev.type === 'ADDED') return now ? 'ADDED' : undefined;
  const before = ev.prevObject ? safeMatch(predicate, ev.prevObject) : ev.type === 'DELETED' ? now : false;
  if (ev.type === 'DELETED') return before || now ? 'DELETED' : undefined;
  if (now && before) return 'MODIFIED';
  if (now) return 'ADDED';
  if (before) return 'DELETED';
  return undefined;
}

/** The namespace of the event's object, from its key when the storage gives it (no decoding). */
function eventNamespace(ev: StorageEvent): string | undefined {
  const k = ev.keyInPrefix;
  if (k !== undefined) {
    const slash = k.indexOf('/');
    if (slash > 0) return k.slice(0, slash);
  }
  return ev.object.metadata.namespace;
}

function safeMatch(p: (o: KubeObject) => boolean, o: KubeObject): boolean {
  try {
    return p(o);
  } catch {
    return false;
  }
}

// Storage hands the same event object to every watcher of a prefix; serialise and encode
// each line once for all of them (a hundred watchers of pods would otherwise stringify and
// UTF-8-encode each pod 100x). Keyed by type too: selectors turn a MODIFIED into an ADDED
// or DELETED for some watchers.
const lineCache = new WeakMap<StorageEvent, Partial<Record<WatchEvent['type'], Buffer>>>();
const LINE_END = Buffer.from('}\n');

function eventLine(ev: StorageEvent, type: WatchEvent['type']): Buffer {
  let lines = lineCache.get(ev);
  if (lines === undefined) {
    lines = {};
    lineCache.set(ev, lines);
  }
  let line = lines[type];
  if (line === undefined) {
    const object = ev.objectJson ? ev.objectJson() : [Buffer.from(JSON.stringify(ev.object))];
    line = Buffer.concat([Buffer.from(`{"type":"${type}","object":`), ...object, LINE_END]);
    lines[type] = line;
  }
  return line;
}

function errorStatus(err: unknown): Status {
  if (err instanceof ApiError) return err.status;
  return makeStatus(500, 'InternalError', 'watch failed: internal error');
}

export interface ServeWatchArgs {
  request: FastifyRequest;
  reply: FastifyReply;
  storage: Storage;
  resource: ResourceInfo;
  namespace?: string;
  opts: ListOptionsParsed;
  settings: WatchSettings;
  registry: WatchRegistry;
  logger: Logger;
  /** Applied to ADDED/MODIFIED/DELETED events before sending (e.g. Table rows for kubectl). */
  transform?: (ev: WatchEvent) => WatchEvent;
  onOpen?: () => void;
  onClose?: () => void;
}

export async function serveWatch(a: ServeWatchArgs): Promise<void> {
  const { storage, resource, opts, settings } = a;
  const prefix = collectionPrefix(resource, a.namespace);
  // A namespace-scoped watch follows the whole resource (one shared etcd watch per
  // resource, like Kubernetes' watch cache) and drops other namespaces here. That way its
  // resourceVersion, and so its BOOKMARKs, advance with writes anywhere in the resource:
  // every event up to it was either sent or belongs to another namespace.
  const ns = resource.namespaced ? a.namespace : undefined;
  const watchPrefix = ns !== undefined ? collectionPrefix(resource, undefined) : prefix;
  let fromRevision: number;
  let initial: KubeObject[] = [];
  // Listing happens before any byte is sent, so an etcd outage is still a plain 503 Status.
  if (opts.resourceVersion === undefined || opts.resourceVersion === '0') {
    const list = await storage.list(prefix, { predicate: opts.predicate });
    initial = list.items;
    fromRevision = list.revision;
  } else {
    fromRevision = parseResourceVersion(opts.resourceVersion);
  }

  a.reply.hijack();
  const res = a.reply.raw;
  const sock = a.request.raw.socket;
  // The connection idle timeout must not kill a quiet watch; the watch has its own bound.
  sock.setTimeout(0);
  sock.setNoDelay(true);
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();

  const writer = new CoalescingWriter(res);
  let closed = false;
  let lastRevision = fromRevision;
  const timers: NodeJS.Timeout[] = [];
  let watcher: { close(): void } | undefined;

  const finish = (destroy = false) => {
    if (closed) return;
    closed = true;
    for (const t of timers) clearTimeout(t), clearInterval(t);
    watcher?.close();
    unregister();
    a.onClose?.();
    if (destroy) {
      writer.discard();
      res.destroy();
    } else {
      writer.close();
      res.end();
      // A client that stopped reading never takes the end of the stream: do not keep its
      // socket and buffers forever.
      if (!res.writableFinished) {
        const t = setTimeout(() => res.destroy(), END_GRACE_MS);
        t.unref();
        res.once('finish', () => clearTimeout(t));
      }
    }
  };
  const unregister = a.registry.add(() => finish());
  a.onOpen?.();
  res.on('close', () => finish());

  /** Queues one line; returns false when the socket buffer is full (the caller may wait for 'drain'). */
  const queue = (line: Buffer): boolean => {
    if (closed) return true;
    writer.write(line);
    const buffered = writer.bufferedBytes;
    if (buffered > settings.maxBufferedBytes) {
      a.logger.warn({ resource: resource.plural, buffered }, 'watcher too slow, disconnecting');
      finish(true);
      return true;
    }
    return !writer.full;
  };
  /** An event of this stream's own (initial ADDED, BOOKMARK, ERROR), through the transform if any. */
  const send = (ev: WatchEvent): boolean => {
    if (closed) return true;
    const out = a.transform && ev.type !== 'BOOKMARK' && ev.type !== 'ERROR' ? a.transform(ev) : ev;
    return queue(Buffer.from(`${JSON.stringify(out)}\n`));
  };
  /** A storage event: the line shared by every watcher, unless a transform (Table output) needs the object. */
  const sendStored = (ev: StorageEvent, type: WatchEvent['type']): boolean =>
    a.transform ? send({ type, object: ev.object }) : queue(eventLine(ev, type));
  // Backpressure into storage: while the socket is full, storage queues (bounded) for
  // this watcher and drops it past its limit, so memory never grows without bound.
  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.once('drain', done);
      res.once('close', done);
    });

  for (const obj of initial) send({ type: 'ADDED', object: obj });

  // timeoutSeconds=0 means "no preference" (as client-go sends it); the server bound still applies.
  const serverMax = settings.maxSeconds * (1 + settings.random());
  const max = opts.timeoutSeconds ? Math.min(opts.timeoutSeconds, serverMax) : serverMax;
  timers.push(setTimeout(() => finish(), Math.max(0, max * 1000)));
  if (opts.allowWatchBookmarks) {
    const bookmark = () =>
      send({
        type: 'BOOKMARK',
        object: { kind: resource.kind, apiVersion: apiVersionOf(resource), metadata: { resourceVersion: String(lastRevision) } },
      });
    timers.push(setInterval(bookmark, settings.bookmarkIntervalMs));
  }
  if (closed) return;

  try {
    watcher = storage.watch(watchPrefix, fromRevision, {
      onEvent: (ev) => {
        if (closed) return undefined;
        if (ev.revision > lastRevision) lastRevision = ev.revision;
        if (ns !== undefined && eventNamespace(ev) !== ns) return undefined;
        const type = filterEvent(ev, opts.predicate);
        if (type && !sendStored(ev, type) && !closed) return drained();
        return undefined;
      },
      onError: (err) => {
        if (closed) return;
        send({ type: 'ERROR', object: errorStatus(err) as unknown as KubeObject });
        finish();
      },
      onProgress: (rev) => {
        if (rev > lastRevision) lastRevision = rev;
      },
    });
  } catch (err) {
    // Headers are out: report in-band, never as an unhandled rejection.
    a.logger.warn({ err: (err as Error).message, resource: resource.plural }, 'cannot start watch');
    send({ type: 'ERROR', object: errorStatus(err) as unknown as KubeObject });
    finish();
    return;
  }
  if (closed) watcher.close();
}
