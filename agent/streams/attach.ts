// GET /attach/{namespace}/{pod}/{container}?stdin=&stdout=&stderr=&tty= on the agent's
// endpoint: the streams of the container's own process (kubectl attach, kubectl run -i).
// What the container was created with decides: stdin reaches it only when it keeps stdin
// open (Container `stdin`), and its output is a terminal's exactly when it has one (`tty`),
// whatever the client asked (kubectl warns about a mismatch itself).

import { serveRemoteCommand, type RemoteCommandDeps } from './remotecommand/serve.js';
import type { StreamHandler } from './types.js';

export function attachHandler(d: RemoteCommandDeps): StreamHandler {
  return (r) => serveRemoteCommand(d, r, (c, o) => d.runtime.attach(c.id, { ...o, stdin: o.stdin && !!c.openStdin, tty: !!c.tty }));
}
