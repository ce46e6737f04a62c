// What the agent's HTTPS endpoint (log-server.ts) hands a stream handler: an Upgrade
// request to one of the kubelet's streaming paths, already authenticated as the apiserver
// (which proxies pods/{name}/exec, attach and portforward here byte for byte:
// apiserver/routes/pod-streams.ts). The handler speaks the protocol (WebSocket channels,
// SPDY) on the raw socket.

import type http from 'node:http';
import type { Duplex } from 'node:stream';

export type StreamKind = 'exec' | 'attach' | 'portForward';

export interface StreamRequest {
  kind: StreamKind;
  namespace: string;
  pod: string;
  /** exec and attach only; portForward names no container. */
  container?: string;
  /** The client's query, as the apiserver received it (command, stdin, tty, ports, ...). */
  query: URLSearchParams;
  req: http.IncomingMessage;
  socket: Duplex;
  /** Bytes that arrived after the request head (usually none). */
  head: Buffer;
}

/**
 * Throw an ApiError BEFORE taking the socket to answer with that Status (the caller writes
 * it); after the upgrade the handler owns the socket and must never let an error escape.
 */
export type StreamHandler = (r: StreamRequest) => Promise<void>;

export type StreamHandlers = Partial<Record<StreamKind, StreamHandler>>;
