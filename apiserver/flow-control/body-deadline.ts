// A request holds its seat from admission until its response is sent, and that includes
// receiving its body. A body that trickles in (one byte every few seconds) would hold the
// seat until node's requestTimeout (60 s): instead the body must arrive within
// `timeoutMs` of admission, else the request ends with 408 and the connection is closed.
// Decided over "count the seat only after the body": the bytes being received are held
// in memory by then, so they belong in the budget of the flow that sends them (with the
// per-flow seat cap, a slow uploader only blocks its own flow), and the deadline bounds
// how long any seat can be held that way.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';

export const BODY_TIMEOUT_CODE = 'ORCH_BODY_TIMEOUT';

function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

/** The body stream fastify should read: the request itself, or a copy that fails with 408 after timeoutMs. */
export function withBodyDeadline(req: IncomingMessage, res: ServerResponse, payload: Readable, timeoutMs: number): Readable {
  // Small bodies usually arrive with the headers: nothing to wait for, no extra stream.
  if (req.complete || !hasBody(req)) return payload;
  const out = new PassThrough();
  const fail = (err: Error) => {
    payload.unpipe(out);
    out.destroy(err);
  };
  const timer = setTimeout(() => {
    const err = Object.assign(new Error(`the request body did not arrive within ${timeoutMs / 1000} s`), { statusCode: 408, code: BODY_TIMEOUT_CODE });
    fail(err);
  }, timeoutMs);
  const done = () => clearTimeout(timer);
  payload.once('end', done);
  out.once('close', done);
  // A request answered without its body being read (415, an error in a hook) needs no
  // deadline; and an error on a stream nobody reads must not become an uncaught one.
  res.once('close', done);
  out.on('error', () => undefined);
  // pipe() does not pass errors on: a client that goes away must still end the parse.
  payload.once('error', fail);
  payload.pipe(out);
  return out;
}
