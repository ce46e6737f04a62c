// Taking over an exec or attach request as a WebSocket with a channel subprotocol (the
// `ws` library does the handshake and framing). Anything that would make the handshake
// fail is checked first, so the caller can still answer with a Status: once handleUpgrade
// is called the socket belongs to the WebSocket.

import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { errors } from '../../../api/errors.js';
import { offeredProtocols, pickProtocol, PROTOCOLS, type ChannelProtocol } from '../../../api/remote-command.js';

/** Larger client messages (stdin chunks are a few KiB) close the connection. */
const MAX_MESSAGE = 16 << 20;

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  maxPayload: MAX_MESSAGE,
  handleProtocols: (offered: Set<string>) => pickProtocol([...offered]) ?? false,
});

/** The subprotocol this request will get; a 400 Status when it cannot be served. */
export function channelProtocolOf(req: http.IncomingMessage): ChannelProtocol {
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  if (upgrade !== 'websocket') {
    throw errors.badRequest(
      `orch serves exec and attach over WebSocket (${PROTOCOLS.join(', ')}), not ${upgrade ? `"${String(req.headers.upgrade).slice(0, 50)}"` : 'a plain request'}; kubectl v1.30 or later uses it by default`,
    );
  }
  const key = req.headers['sec-websocket-key'];
  const version = req.headers['sec-websocket-version'];
  if (req.method !== 'GET' || typeof key !== 'string' || !/^[+/0-9A-Za-z]{22}==$/.test(key) || (version !== '8' && version !== '13')) {
    throw errors.badRequest('invalid WebSocket handshake (GET with Sec-WebSocket-Key and Sec-WebSocket-Version 13 expected)');
  }
  const offered = offeredProtocols(req.headers['sec-websocket-protocol']);
  const p = pickProtocol(offered);
  if (!p) throw errors.badRequest(`none of the offered subprotocols (${offered.join(', ').slice(0, 200)}) is served; orch serves ${PROTOCOLS.join(', ')}`);
  return p;
}

/** Completes the handshake; rejects when the client went away before it completed. */
export function acceptWebSocket(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const gone = () => reject(new Error('the client closed the connection before the upgrade completed'));
    socket.once('close', gone);
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('close', gone);
      resolve(ws);
    });
  });
}
