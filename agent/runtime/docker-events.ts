// The engine's container events as a subscription that survives the engine: Docker's
// /events stream (newline-separated JSON) is parsed into RuntimeEvents, a stream that
// closes or cannot open is reported (onError) and opened again after `retryMs`, and the
// inspect cache (inspect-cache.ts) is told what it needs to stay exact: which label filter
// is covered while the stream is up, and every container an event names.

import type { Readable } from 'node:stream';
import type { InspectCache } from './inspect-cache.js';
import { RuntimeError, type EventSubscription, type RuntimeEvent } from './types.js';

export interface DockerEventSource {
  /** Opens Docker's event stream for these containers (docker-runtime.ts: getEvents with the label filter). */
  open(): Promise<Readable>;
  labels: Record<string, string>;
  retryMs: number;
  cache: InspectCache;
  mapError(err: unknown): Error;
}

interface DockerEventLine {
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

export function followDockerEvents(src: DockerEventSource, onEvent: (e: RuntimeEvent) => void, onError?: (err: Error) => void): EventSubscription {
  let stopped = false;
  let current: Readable | undefined;
  let retry: NodeJS.Timeout | undefined;
  const reconnect = () => {
    if (stopped) return;
    retry = setTimeout(subscribe, src.retryMs);
  };
  const onLine = (line: string) => {
    try {
      const ev = JSON.parse(line) as DockerEventLine;
      const containerId = ev.Actor?.ID ?? ev.id ?? '';
      src.cache.invalidate(containerId);
      onEvent({ action: (ev.Action ?? ev.status ?? '').split(':')[0]!, containerId, labels: ev.Actor?.Attributes ?? {} });
    } catch {
      // A malformed line: the periodic resync covers whatever it was, with fresh inspects.
      src.cache.forget();
    }
  };
  const subscribe = () => {
    if (stopped) return;
    src
      .open()
      .then((stream) => {
        if (stopped) return stream.destroy();
        current = stream;
        const unwatch = src.cache.watching(src.labels);
        let buf = '';
        stream.on('data', (chunk: Buffer) => {
          buf += chunk.toString('utf8');
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line) onLine(line);
          }
        });
        stream.on('error', (err) => onError?.(src.mapError(err)));
        stream.on('close', () => {
          unwatch();
          current = undefined;
          if (!stopped) onError?.(new RuntimeError('unavailable', 'docker event stream closed'));
          reconnect();
        });
      })
      .catch((err) => {
        onError?.(src.mapError(err));
        reconnect();
      });
  };
  subscribe();
  return {
    stop: () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      current?.destroy();
    },
  };
}
