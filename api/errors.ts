// The one error catalogue: Kubernetes `Status` objects and an Error class carrying one.
// The apiserver throws ApiError and serialises `.status`; the client turns a Status
// response back into an ApiError, so `isNotFound(err)` works on both sides.

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'Invalid'
  | 'Timeout'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'NotAcceptable'
  | 'Unknown';

export interface StatusCause {
  /** e.g. FieldValueRequired, FieldValueInvalid, FieldValueDuplicate, FieldValueNotSupported */
  reason: string;
  message: string;
  /** JSON-path-like field, e.g. spec.template.spec.containers[0].image */
  field?: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

export class ApiError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'ApiError';
    this.status = status;
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): StatusReason | undefined {
    return this.status.reason;
  }
}

export function makeStatus(code: number, reason: StatusReason, message: string, details?: Status['details']): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return s;
}

export function isStatus(x: unknown): x is Status {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'Status';
}

/** What a resource is called in messages: `pods "web-1"`, `deployments.apps "web"`. */
function qualified(resource: { group?: string; plural: string }): string {
  return resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
}

export const errors = {
  badRequest: (message: string, causes?: StatusCause[]) =>
    new ApiError(makeStatus(400, 'BadRequest', message, causes ? { causes } : undefined)),
  unauthorized: (message = 'Unauthorized') => new ApiError(makeStatus(401, 'Unauthorized', message)),
  forbidden: (message: string) => new ApiError(makeStatus(403, 'Forbidden', message)),
  notFound: (resource: { group?: string; plural: string }, name: string) =>
    new ApiError(makeStatus(404, 'NotFound', `${qualified(resource)} "${name}" not found`, { name, group: resource.group, kind: resource.plural })),
  notFoundMessage: (message: string) => new ApiError(makeStatus(404, 'NotFound', message)),
  methodNotAllowed: (message: string) => new ApiError(makeStatus(405, 'MethodNotAllowed', message)),
  alreadyExists: (resource: { group?: string; plural: string }, name: string) =>
    new ApiError(makeStatus(409, 'AlreadyExists', `${qualified(resource)} "${name}" already exists`, { name, group: resource.group, kind: resource.plural })),
  conflict: (resource: { group?: string; plural: string }, name: string, why: string) =>
    new ApiError(
      makeStatus(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource)} "${name}": ${why}`, { name, group: resource.group, kind: resource.plural }),
    ),
  /** 410: the requested resourceVersion has been compacted; the client must relist. */
  expired: (message: string) => new ApiError(makeStatus(410, 'Expired', message)),
  tooLarge: (message = 'request entity too large: limit is 3145728 bytes') => new ApiError(makeStatus(413, 'RequestEntityTooLarge', message)),
  unsupportedMediaType: (contentType: string, supported: string[]) =>
    new ApiError(makeStatus(415, 'UnsupportedMediaType', `the body of the request was in an unknown format: ${contentType}; accepted media types include: ${supported.join(', ')}`)),
  invalid: (kind: string, name: string, causes: StatusCause[]) =>
    new ApiError(
      makeStatus(
        422,
        'Invalid',
        `${kind} "${name}" is invalid: ${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ')}`,
        { name, kind, causes },
      ),
    ),
  timeout: (message: string) => new ApiError(makeStatus(504, 'Timeout', message)),
  tooManyRequests: (message: string, retryAfterSeconds = 1) =>
    new ApiError(makeStatus(429, 'TooManyRequests', message, { retryAfterSeconds })),
  internal: (message: string) => new ApiError(makeStatus(500, 'InternalError', message)),
  unavailable: (message: string) => new ApiError(makeStatus(503, 'ServiceUnavailable', message)),
};

const has = (err: unknown, code: number, reason?: StatusReason) =>
  err instanceof ApiError && err.code === code && (reason === undefined || err.reason === reason);

export const isNotFound = (err: unknown) => has(err, 404);
export const isAlreadyExists = (err: unknown) => has(err, 409, 'AlreadyExists');
export const isConflict = (err: unknown) => has(err, 409, 'Conflict');
export const isGone = (err: unknown) => has(err, 410);
export const isInvalid = (err: unknown) => has(err, 422);
export const isUnauthorized = (err: unknown) => has(err, 401);
export const isForbidden = (err: unknown) => has(err, 403);
export const isUnavailable = (err: unknown) => has(err, 503);
export const isTooManyRequests = (err: unknown) => has(err, 429);
