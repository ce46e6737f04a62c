// orch.local/zl-app: the backend of the zero-loss scenario (test/cluster/scenarios/zero-loss.test.ts)
// and bench/rollout.ts. Built into an image by scripts/build-zl-app-image.sh (node-base + this file).
//
//   GET  /            200 "<pod name> <VERSION>\n"          (pod name = the container's hostname)
//   GET  /healthz     200 "ok", or 503 while unhealthy: after POST /health/off, while the file
//                     $HEALTH_FILE (default /tmp/unhealthy) exists, or once SIGTERM arrived
//   POST /health/off  /health/on: the switch (the readiness benchmark flips it)
//
// Graceful shutdown on SIGTERM, done as a well-behaved app does it. orch's termination
// protocol makes sure no proxy sends NEW connections to the pod before SIGTERM; what it
// cannot do is end the connections clients already hold (keep-alive), and an app that
// just exits, or closes them carelessly, still loses requests. So, in order:
//  1. Stop listening (net.Server.close). New connections now fail at once rather than
//     being accepted by a process on its way out. http.Server.close() is NOT used: since
//     Node 19 it also closes every idle keep-alive connection at once, and an "idle"
//     connection may carry a request that is already on the wire — the client then sees
//     ECONNRESET for a request the server never read (the classic keep-alive race).
//  2. /healthz answers 503 from now on: a readiness probe that still runs sees the pod
//     going away (harmless with orch, useful behind any other balancer).
//  3. Every request still arriving on an open connection is answered normally, with
//     `Connection: close`: the client learns from the answer itself that the connection
//     ends, and sends its next request on a new connection — which the proxies route to
//     a pod that is not terminating. Node closes the socket after that response.
//  4. An idle connection is closed only after it answered one more request (3.), or after
//     IDLE_CLOSE_MS without one: a client that holds a connection but sends nothing gets
//     no answer to lose; a few seconds of waiting covers a request in flight.
//  5. Exit 0 when no connection is left; at the latest after EXIT_AFTER_MS (keep it below
//     the pod's terminationGracePeriodSeconds, or the runtime's SIGKILL decides instead).

'use strict';
const http = require('node:http');
const net = require('node:net');
const fs = require('node:fs');
const os = require('node:os');

const PORT = Number(process.env.PORT || 8080);
const VERSION = process.env.VERSION || 'v1';
const HEALTH_FILE = process.env.HEALTH_FILE || '/tmp/unhealthy';
const IDLE_CLOSE_MS = Number(process.env.IDLE_CLOSE_MS || 3000);
const EXIT_AFTER_MS = Number(process.env.EXIT_AFTER_MS || 8000);
const NAME = process.env.POD_NAME || os.hostname();

let healthy = true;
let stopping = false;
/** Open connections → whether a request is being answered on it. */
const connections = new Map();

const server = http.createServer((req, res) => {
  const sock = req.socket;
  connections.set(sock, true);
  if (stopping) res.setHeader('Connection', 'close');
  res.on('finish', () => {
    connections.set(sock, false);
    // Node ends the socket itself after a `Connection: close` response; a request that
    // began before SIGTERM had no such header: its connection gets the idle treatment.
    if (stopping) setTimeout(() => connections.get(sock) === false && sock.destroy(), IDLE_CLOSE_MS).unref();
  });
  const send = (code, body) => {
    res.writeHead(code, { 'Content-Type': 'text/plain' });
    res.end(body);
  };
  if (req.method === 'GET' && req.url === '/') return send(200, `${NAME} ${VERSION}\n`);
  if (req.method === 'GET' && req.url === '/healthz') {
    const ok = healthy && !stopping && !fs.existsSync(HEALTH_FILE);
    return send(ok ? 200 : 503, ok ? 'ok\n' : 'unhealthy\n');
  }
  if (req.method === 'POST' && (req.url === '/health/off' || req.url === '/health/on')) {
    healthy = req.url === '/health/on';
    req.resume();
    return send(200, `healthy ${healthy}\n`);
  }
  send(404, 'not found\n');
});
// Keep-alive connections stay open between requests longer than any client here waits.
server.keepAliveTimeout = 65_000;
server.on('connection', (sock) => {
  connections.set(sock, false);
  sock.on('close', () => {
    connections.delete(sock);
    if (stopping) maybeExit();
  });
});

function maybeExit() {
  if (connections.size === 0) process.exit(0);
}

function shutdown() {
  if (stopping) return;
  stopping = true;
  // 1. net.Server.prototype.close: stop listening, leave open connections alone (see above).
  net.Server.prototype.close.call(server);
  // 4. Idle connections get IDLE_CLOSE_MS for one more request, then are closed.
  setTimeout(() => {
    for (const [sock, busy] of connections) if (!busy) sock.destroy();
  }, IDLE_CLOSE_MS).unref();
  // 5. The hard limit.
  setTimeout(() => process.exit(0), EXIT_AFTER_MS).unref();
  maybeExit();
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
server.listen(PORT, () => process.stdout.write(`${NAME} ${VERSION} listening on ${PORT}\n`));
