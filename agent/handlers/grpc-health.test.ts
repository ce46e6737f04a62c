// The grpc handler against a real HTTP/2 server in this process that answers
// grpc.health.v1.Health/Check the way grpc-go's health server does (framing, trailers).

import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHealthCheckResponse, encodeHealthCheckRequest, grpcHealthCheck, HEALTH_CHECK_PATH } from './grpc-health.js';

let server: http2.Http2Server;
let port = 0;
/** service name → ServingStatus number; a name missing → grpc NOT_FOUND (5), "hang" never answers. */
const statuses = new Map<string, number>([['', 1], ['down', 2]]);
const requested: string[] = [];

function decodeRequest(buf: Buffer): string {
  const body = buf.subarray(5, 5 + buf.readUInt32BE(1));
  return body.length === 0 ? '' : body.subarray(2, 2 + body[1]!).toString('utf8');
}

beforeAll(async () => {
  server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      if (headers[':path'] !== HEALTH_CHECK_PATH) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown service' }, { endStream: true });
        return;
      }
      const service = decodeRequest(Buffer.concat(chunks));
      requested.push(service);
      if (service === 'hang') return;
      const st = statuses.get(service);
      if (st === undefined) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'unknown service' }, { endStream: true });
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      const body = Buffer.from([0x08, st]);
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(body.length, 1);
      stream.end(Buffer.concat([prefix, body]));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

describe('grpc health protobuf', () => {
  it('encodes the request with the service as field 1, decodes the status enum', () => {
    expect([...encodeHealthCheckRequest('')]).toEqual([0, 0, 0, 0, 0]);
    expect([...encodeHealthCheckRequest('ab')]).toEqual([0, 0, 0, 0, 4, 0x0a, 2, 0x61, 0x62]);
    expect(decodeHealthCheckResponse(Buffer.from([0x08, 2]))).toBe(2);
    expect(decodeHealthCheckResponse(Buffer.alloc(0))).toBe(0);
    // An unknown length-delimited field before the status is skipped.
    expect(decodeHealthCheckResponse(Buffer.from([0x12, 1, 0x41, 0x08, 1]))).toBe(1);
  });
});

describe('grpcHealthCheck', () => {
  it('SERVING is success; the service name is sent', async () => {
    expect(await grpcHealthCheck('127.0.0.1', port, '', 1000)).toEqual({ ok: true, message: 'service is serving' });
    expect(requested.at(-1)).toBe('');
  });

  it('fails with the kubelet’s messages: not serving, rpc error, timeout, refused', async () => {
    expect(await grpcHealthCheck('127.0.0.1', port, 'down', 1000)).toEqual({ ok: false, message: 'service unhealthy (responded with "NOT_SERVING")' });
    expect(requested.at(-1)).toBe('down');
    expect((await grpcHealthCheck('127.0.0.1', port, 'other', 1000)).message).toBe('error: health rpc probe failed: rpc error: code = 5 desc = unknown service');
    expect(await grpcHealthCheck('127.0.0.1', port, 'hang', 200)).toEqual({ ok: false, message: 'timeout: health rpc did not complete within 200ms' });
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const closed = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    expect(await grpcHealthCheck('127.0.0.1', closed, '', 1000)).toEqual({ ok: false, message: `error: failed to connect service at "127.0.0.1:${closed}": dial tcp 127.0.0.1:${closed}: connect: connection refused` });
  });
});
