// GET /exec/{namespace}/{pod}/{container}?command=..&stdin=&stdout=&stderr=&tty= on the
// agent's endpoint (the kubelet's path; the apiserver relays pods/{name}/exec here): runs
// the command in the pod's running container with its streams on a WebSocket channel
// protocol (remotecommand/). The exit code reaches the client on the error channel.

import { serveRemoteCommand, type RemoteCommandDeps } from './remotecommand/serve.js';
import type { StreamHandler } from './types.js';

export function execHandler(d: RemoteCommandDeps): StreamHandler {
  return (r) => serveRemoteCommand(d, r, (c, o) => d.runtime.execStream(c.id, o.command, o));
}
