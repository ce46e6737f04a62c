// The agent's streaming endpoints (exec, attach, port-forward), reached through the log
// server's HTTP Upgrade listener: the apiserver re-sends the client's Upgrade request to
// GET /exec|attach/{ns}/{pod}/{container}?... or /portForward/{ns}/{pod}?... and then relays
// bytes both ways untouched, so the handlers here speak the protocols themselves.

import type http from 'node:http';
import type stream from 'node:stream';

export type StreamKind = 'exec' | 'attach' | 'portForward';

export interface StreamRequest {
  kind: StreamKind;
  namespace: string;
  pod: string;
  container?: string; // absent for portForward
  query: URLSearchParams;
  req: http.IncomingMessage;
  socket: stream.Duplex;
  head: Buffer;
}

/** Throw an ApiError BEFORE taking the socket to answer with that Status; after the
 *  upgrade the handler owns the socket (and must never let an error escape). */
export type StreamHandler = (r: StreamRequest) => Promise<void>;
