// The narrow views controllers take of the client library's informers, work queue and
// event recorder. Controllers depend on these shapes (which client/'s classes satisfy)
// so unit tests can feed them plain in-memory stores.

import type { KubeObject } from '../../api/types.js';
import type { Result } from '../../client/reconcile-loop.js';

export interface EventHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

/** What a controller reads from a shared informer (client/informer.ts satisfies it). */
export interface InformerView<T extends KubeObject> {
  addEventHandler(h: EventHandlers<T>): void;
  addIndex(name: string, fn: (obj: T) => string[]): void;
  byIndex(name: string, value: string): T[];
  get(key: string): T | undefined;
  list(): T[];
  hasSynced(): boolean;
}

/** What a controller needs from a work queue (client/work-queue.ts satisfies it). */
export interface QueueView {
  add(key: string): void;
  addAfter(key: string, ms: number): void;
  addRateLimited(key: string): void;
  forget(key: string): void;
}

export type EventType = 'Normal' | 'Warning';

export interface Recorder {
  record(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

/**
 * One controller of the manager: its handlers add keys to the queue it was given, and
 * reconcile(key) says what should happen next. The manager runs the one loop
 * (client/reconcile-loop.ts) that interprets the result, with backoff and metrics.
 */
export interface Controller {
  readonly name: string;
  reconcile(key: string): Promise<Result>;
}

/** Index every controller uses to read one namespace's objects cheaply. */
export const NAMESPACE_INDEX = 'namespace';

export function namespaceIndexFn(obj: KubeObject): string[] {
  return [obj.metadata.namespace ?? ''];
}

/** Adds the namespace index unless another controller already did. */
export function ensureNamespaceIndex<T extends KubeObject>(inf: InformerView<T>): void {
  try {
    inf.addIndex(NAMESPACE_INDEX, namespaceIndexFn);
  } catch {
    /* already registered by another controller sharing this informer */
  }
}
