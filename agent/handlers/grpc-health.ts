// grpc handler (probes): one call of grpc.health.v1.Health/Check over plaintext HTTP/2, as
// the kubelet makes it; SERVING is success, everything else a failure with the kubelet's
// message ("service unhealthy (responded with \"NOT_SERVING\")", "timeout: health rpc did
// not complete within 1s", ...).
//
// Why node:http2 and hand-encoded protobuf instead of @grpc/grpc-js: the agent must not load
// grpc-js or protobufjs (~25 MB of RSS; agent/runtime/docker-load.ts stubs them out of
// dockerode, and docker-load.integration.test.ts checks that none of them is loaded). The
// health protocol needs very little: a gRPC message is a 5-byte prefix (compressed flag,
// big-endian length) and a protobuf body; HealthCheckRequest is one string field (tag 1,
// wire type 2) and HealthCheckResponse one enum field (tag 1, wire type 0). The status of
// the call comes in the `grpc-status` trailer (or header, for a "trailers-only" answer).

import http2 from 'node:http2';
import { dialError, type HandlerResult } from './handler-result.js';
import { joinHostPort } from './resolve-port.js';
import { PROBE_USER_AGENT } from './http-get.js';

export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';
/** grpc.health.v1.HealthCheckResponse.ServingStatus, by number. */
export const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;
const GRPC_UNIMPLEMENTED = 12;
const GRPC_DEADLINE_EXCEEDED = 4;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** A length-prefixed gRPC message holding HealthCheckRequest{service}. */
export function encodeHealthCheckRequest(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  const body = s.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, ...varint(s.length)]), s]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

/** The status number of a HealthCheckResponse protobuf body (0 = UNKNOWN when absent); unknown fields are skipped. */
export function decodeHealthCheckResponse(body: Buffer): number {
  let i = 0;
  let status = 0;
  const readVarint = (): number => {
    let n = 0;
    let shift = 0;
    for (;;) {
      if (i >= body.length) throw new Error('truncated varint');
      const b = body[i++]!;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
      shift += 7;
    }
  };
  while (i < body.length) {
    const key = readVarint();
    const wire = key & 7;
    if (wire === 0) {
      const v = readVarint();
      if (key >>> 3 === 1) status = v;
    } else if (wire === 2) {
      const len = readVarint(); // read first: `i += readVarint()` would add to the old i
      i += len;
    }
    else if (wire === 5) i += 4;
    else if (wire === 1) i += 8;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return status;
}

/** Go's time.Duration String() for whole seconds or milliseconds, as kubelet's messages show the timeout. */
function goDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export function grpcHealthCheck(host: string, port: number, service: string, timeoutMs: number): Promise<HandlerResult> {
  const addr = joinHostPort(host, port);
  const timeout = goDuration(timeoutMs);
  return new Promise((resolve) => {
    let settled = false;
    let connected = false;
    const session = http2.connect(`http://${addr}`);
    const finish = (r: HandlerResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () => finish({ ok: false, message: connected ? `timeout: health rpc did not complete within ${timeout}` : `timeout: failed to connect service "${addr}" within ${timeout}: context deadline exceeded` }),
      timeoutMs,
    );
    const connectFailed = (err: NodeJS.ErrnoException) => finish({ ok: false, message: `error: failed to connect service at "${addr}": ${dialError(addr, err)}` });
    session.on('error', connectFailed);
    session.once('connect', () => (connected = true));
    const req = session.request({
      ':method': 'POST',
      ':path': HEALTH_CHECK_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': PROBE_USER_AGENT,
      'grpc-timeout': `${timeoutMs}m`,
    });
    const chunks: Buffer[] = [];
    let headerStatus: string | undefined;
    let headerMessage: string | undefined;
    req.on('response', (h) => {
      headerStatus = h['grpc-status'] as string | undefined;
      headerMessage = h['grpc-message'] as string | undefined;
      const httpStatus = Number(h[':status']);
      if (httpStatus !== 200) finish({ ok: false, message: `error: health rpc probe failed: rpc error: code = Unknown desc = unexpected HTTP status code received from server: ${httpStatus}` });
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('trailers', (t) => {
      headerStatus = (t['grpc-status'] as string | undefined) ?? headerStatus;
      headerMessage = (t['grpc-message'] as string | undefined) ?? headerMessage;
    });
    // A stream cancelled because the connection failed carries the socket error as its cause.
    req.on('error', (err: Error) => {
      const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
      if (!connected) connectFailed(cause ?? err);
      else finish({ ok: false, message: `error: health rpc probe failed: ${err.message}` });
    });
    req.on('end', () => finish(answer(Buffer.concat(chunks), headerStatus, headerMessage, timeout)));
    req.end(encodeHealthCheckRequest(service));
  });
}

function answer(data: Buffer, grpcStatus: string | undefined, grpcMessage: string | undefined, timeout: string): HandlerResult {
  const code = Number(grpcStatus ?? 'NaN');
  const desc = decodeURIComponent(grpcMessage ?? '');
  if (code === GRPC_UNIMPLEMENTED) return { ok: false, message: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${desc}` };
  if (code === GRPC_DEADLINE_EXCEEDED) return { ok: false, message: `timeout: health rpc did not complete within ${timeout}` };
  if (code !== 0) return { ok: false, message: `error: health rpc probe failed: rpc error: code = ${Number.isNaN(code) ? 'Unknown' : code} desc = ${desc || 'no grpc-status'}` };
  if (data.length < 5) return { ok: false, message: 'error: health rpc probe failed: empty response' };
  let status: number;
  try {
    status = decodeHealthCheckResponse(data.subarray(5, 5 + data.readUInt32BE(1)));
  } catch (err) {
    return { ok: false, message: `error: health rpc probe failed: ${(err as Error).message}` };
  }
  if (status !== 1) return { ok: false, message: `service unhealthy (responded with "${SERVING_STATUS[status] ?? String(status)}")` };
  return { ok: true, message: 'service is serving' };
}
