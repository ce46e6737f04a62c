// Every failure leaves the server as a Kubernetes Status. ApiErrors carry their own;
// fastify's framework errors (body too large, bad media type, malformed headers) get
// the matching 4xx; anything unexpected is a 500 with a generic message (details only
// in the log), so internals never leak and a client mistake is never a 500.

import { ApiError, errors, type Status } from '../api/errors.js';
import { SUPPORTED_TYPES } from './body-parsers.js';

interface FrameworkError {
  code?: string;
  statusCode?: number;
  message?: string;
}

export function toStatus(err: unknown, contentType?: string): { status: Status; unexpected: boolean } {
  if (err instanceof ApiError) return { status: err.status, unexpected: false };
  const e = (err ?? {}) as FrameworkError;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: errors.tooLarge().status, unexpected: false };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return { status: errors.unsupportedMediaType(contentType ?? '(none)', SUPPORTED_TYPES).status, unexpected: false };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_TYPE':
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return { status: errors.badRequest(e.message ?? 'bad request').status, unexpected: false };
  }
  if (err instanceof SyntaxError) return { status: errors.badRequest(`malformed request: ${err.message}`).status, unexpected: false };
  const code = e.statusCode;
  if (typeof code === 'number' && code >= 400 && code < 500) {
    if (code === 413) return { status: errors.tooLarge().status, unexpected: false };
    if (code === 415) return { status: errors.unsupportedMediaType(contentType ?? '(none)', SUPPORTED_TYPES).status, unexpected: false };
    return { status: errors.badRequest(e.message ?? 'bad request').status, unexpected: false };
  }
  return { status: errors.internal('an internal error occurred; see the apiserver log').status, unexpected: true };
}
