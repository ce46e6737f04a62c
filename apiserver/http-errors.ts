// Every failure leaves the server as a Kubernetes Status. ApiErrors carry their own;
// fastify's framework errors (body too large, bad media type, malformed headers, a
// malformed percent-encoding in the path) get the matching 4xx; errors before routing
// (request timeout, headers too large, unparsable HTTP) are answered on the raw socket,
// still as a Status; anything unexpected is a 500 with a generic message (details only in
// the log), so internals never leak and a client mistake is never a 500.

import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ApiError, errors, makeStatus, type Status } from '../api/errors.js';
import { SUPPORTED_TYPES } from './body-parsers.js';

interface FrameworkError {
  code?: string;
  statusCode?: number;
  message?: string;
}

const requestTimeout = (message: string) => makeStatus(408, 'Timeout', message);

export function toStatus(err: unknown, contentType?: string): { status: Status; unexpected: boolean } {
  if (err instanceof ApiError) return { status: err.status, unexpected: false };
  const e = (err ?? {}) as FrameworkError;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: errors.tooLarge().status, unexpected: false };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return { status: errors.unsupportedMediaType(contentType ?? '(none)', SUPPORTED_TYPES).status, unexpected: false };
    case 'FST_ERR_BAD_URL':
      return { status: errors.badRequest(`malformed URL: ${e.message ?? 'invalid percent-encoding'}`).status, unexpected: false };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: makeStatus(414, 'BadRequest', 'the request URL is too long'), unexpected: false };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_TYPE':
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return { status: errors.badRequest(e.message ?? 'bad request').status, unexpected: false };
  }
  if (err instanceof SyntaxError) return { status: errors.badRequest(`malformed request: ${err.message}`).status, unexpected: false };
  const code = e.statusCode;
  if (typeof code === 'number' && code >= 400 && code < 500) {
    if (code === 408) return { status: requestTimeout(e.message ?? 'the request did not arrive in time'), unexpected: false };
    if (code === 413) return { status: errors.tooLarge().status, unexpected: false };
    if (code === 415) return { status: errors.unsupportedMediaType(contentType ?? '(none)', SUPPORTED_TYPES).status, unexpected: false };
    return { status: errors.badRequest(e.message ?? 'bad request').status, unexpected: false };
  }
  return { status: errors.internal('an internal error occurred; see the apiserver log').status, unexpected: true };
}

/** fastify's `frameworkErrors`: errors found while routing (a path that does not decode), answered as a Status. */
export function frameworkErrorHandler(err: FrameworkError, _req: FastifyRequest, reply: FastifyReply): void {
  const { status } = toStatus(err);
  void reply.code(status.code).type('application/json').send(status);
}

/** The Status for an error node's HTTP parser reports on a connection ('clientError'). */
export function clientErrorStatus(err: NodeJS.ErrnoException, requestTimeoutMs: number): Status {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return requestTimeout(`the request was not received within ${requestTimeoutMs / 1000} s`);
    case 'HPE_HEADER_OVERFLOW':
      return makeStatus(431, 'BadRequest', 'the request headers are too large');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return makeStatus(413, 'RequestEntityTooLarge', 'the chunk extensions of the request body are too large');
    default:
      return errors.badRequest(`malformed HTTP request${err.code ? ` (${err.code})` : ''}`).status;
  }
}

/**
 * fastify's `clientErrorHandler`: node could not parse a request, or it did not arrive in
 * time. Nothing has reached a route, so the answer is written on the socket itself, as a
 * Status, unless a response is already under way on that connection; then the
 * connection is closed.
 */
export function clientErrorHandler(logger: Logger, requestTimeoutMs: number) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const status = clientErrorStatus(err, requestTimeoutMs);
    logger.debug({ err, code: err.code, status: status.code }, 'client error');
    const inProgress = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (!socket.writable || inProgress) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify(status);
    socket.end(
      `HTTP/1.1 ${status.code} ${http.STATUS_CODES[status.code] ?? 'Error'}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    // end() lets the answer reach the client; a client that never closes its side must
    // not keep the socket.
    setTimeout(() => socket.destroy(), 5000).unref();
  };
}
