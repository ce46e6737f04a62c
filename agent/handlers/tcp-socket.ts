// tcpSocket handler: success when a TCP connection to host:port opens within the timeout
// (kubelet's probe closes it at once without sending anything).

import net from 'node:net';
import { dialError, type HandlerResult } from './handler-result.js';
import { joinHostPort } from './resolve-port.js';

export function tcpCheck(host: string, port: number, timeoutMs: number): Promise<HandlerResult> {
  const target = joinHostPort(host, port);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (r: HandlerResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ok: false, message: `dial tcp ${target}: i/o timeout` }), timeoutMs);
    socket.once('connect', () => finish({ ok: true, message: '' }));
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ ok: false, message: dialError(target, err) }));
  });
}
