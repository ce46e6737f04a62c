// HTTP watch streams: newline-delimited JSON events over chunked HTTP, headers flushed at
// once and each event written (so flushed) in the event-loop turn it arrives in (events of
// one turn share a write: watch-flush.ts). Selectors are applied per
// watcher, including the transitions Kubernetes reports: an object that stops matching
// is sent as DELETED, one that starts matching as ADDED. A watcher whose client cannot
// keep up is expired (its backlog dropped, a 410 Expired ERROR event, the end of the
// stream: the client relists) rather than buffered without bound: past its own bounds
// (bytes or events not yet taken) or when the server-wide budget over all streams
// (flow-control/watch-memory.ts) picks it as the biggest.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ApiError, makeStatus, type Status } from '../api/errors.js';
import { apiVersionOf, type ResourceInfo } from '../api/resources.js';
import type { KubeObject, WatchEvent } from '../api/types.js';
import type { Storage, StorageEvent } from './storage/types.js';
import type { ListOptionsParsed } from './list-options.js';
import { parseResourceVersion } from './list-options.js';
import { collectionPrefix } from './registry/keys.js';
import type { WatchMemoryBudget } from './flow-control/watch-memory.js';
import { CoalescingWriter } from './watch-flush.js';

export interface WatchSettings {
  /** Upper bound of a watch's life; the real bound is drawn in [max, 2·max) like Kubernetes' minRequestTimeout. */
  maxSeconds: number;
  bookmarkIntervalMs: number;
  /** Bytes buffered for one slow watcher before it is expired. */
  maxBufferedBytes: number;
  /** Events queued for one slow watcher before it is expired. */
  maxQueuedEvents: number;
  random: () => number;
}

/** How long an ended watch may take to hand its last bytes to the client before the socket is closed. */
const END_GRACE_MS = 10_000;

export const DEFAULT_WATCH_SETTINGS: WatchSettings = {
  maxSeconds: 1800,
  bookmarkIntervalMs: 60_000,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxQueuedEvents: 10_000,
  random: Math.random,
};

export type WatchTermination = 'buffer-full' | 'queue-full' | 'memory-budget';

/**
 * Tracks open watches so shutdown can end them and metrics can count them; holds the
 * server-wide byte budget over their backlogs.
 */
export class WatchRegistry {
  private readonly open = new Set<() => void>();
  constructor(
    readonly budget?: WatchMemoryBudget,
    /** Told when a stream is expired for slowness (metrics). */
    readonly onTerminated: (resource: string, reason: WatchTermination) => void = () => undefined,
  ) {}
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
  /**
   * The client is too far behind: drop what it has not taken, tell it 410 Expired (an
   * informer relists, then watches again from the list's resourceVersion) and end.
   */
  const expire = (reason: WatchTermination, why: string) => {
    if (closed) return;
    a.logger.info({ resource: resource.plural, reason, queuedBytes: writer.heldBytes, queuedEvents: writer.queuedLines }, 'watcher too slow, expiring it');
    a.registry.onTerminated(resource.plural, reason);
    writer.drop();
    writer.write(Buffer.from(`${JSON.stringify({ type: 'ERROR', object: makeStatus(410, 'Expired', `watch expired: ${why}; list again and watch from the list's resourceVersion`) })}\n`));
    finish();
  };
  const writer = new CoalescingWriter(res, {
    budget: a.registry.budget,
    onCut: () => expire('memory-budget', "the server's watches hold more unsent data than its budget and this one held the most"),
  });
  const unregister = a.registry.add(() => finish());
  a.onOpen?.();
  res.on('close', () => finish(true));

  /** Queues one line, then expires the watcher if it is past its own bounds. */
  const queue = (line: Buffer): void => {
    if (closed) return;
    writer.write(line);
    if (writer.queuedLines > settings.maxQueuedEvents) expire('queue-full', `more than ${settings.maxQueuedEvents} events not taken by the client`);
    else if (writer.bufferedBytes > settings.maxBufferedBytes) expire('buffer-full', `more than ${settings.maxBufferedBytes} bytes not taken by the client`);
  };
  /** An event of this stream's own (initial ADDED, BOOKMARK, ERROR), through the transform if any. */
  const send = (ev: WatchEvent): void => {
    if (closed) return;
    const out = a.transform && ev.type !== 'BOOKMARK' && ev.type !== 'ERROR' ? a.transform(ev) : ev;
    queue(Buffer.from(`${JSON.stringify(out)}\n`));
  };
  /** A storage event: the line shared by every watcher, unless a transform (Table output) needs the object. */
  const sendStored = (ev: StorageEvent, type: WatchEvent['type']): void =>
    a.transform ? send({ type, object: ev.object }) : queue(eventLine(ev, type));

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
      // Never a promise back to the storage: the backlog of a slow client is kept (and
      // bounded) in its writer, so the storage's queue stays empty and the events are
      // not held twice.
      onEvent: (ev) => {
        if (closed) return;
        if (ev.revision > lastRevision) lastRevision = ev.revision;
        if (ns !== undefined && eventNamespace(ev) !== ns) return;
        const type = filterEvent(ev, opts.predicate);
        if (type) sendStored(ev, type);
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
    a.logger.warn({ err, resource: resource.plural }, 'cannot start watch');
    send({ type: 'ERROR', object: errorStatus(err) as unknown as KubeObject });
    finish();
    return;
  }
  if (closed) watcher.close();
}
