// Answering an HTTP Upgrade request that is not going through: after node hands the raw
// socket to an 'upgrade' listener there is no ServerResponse, so the Status is written as
// a plain HTTP answer and the connection closed. Shared by the apiserver's stream proxy and
// the agent's stream endpoint.

import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Status } from '../api/errors.js';

export function refuseUpgrade(socket: Duplex, status: Status, extraHeaders: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(status);
  const extra = Object.entries(extraHeaders)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status.code} ${http.STATUS_CODES[status.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}
