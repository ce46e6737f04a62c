// Loads dockerode without the parts orch never uses. dockerode (4.x) requires at load time
// its BuildKit session support (@grpc/grpc-js + proto-loader + protobufjs) and, through
// docker-modem, ssh2 for ssh:// engines: together ~25 MB of the agent's RSS (measured: bare
// node 39 MB, + dockerode 68 MB). orch talks to a local socket and never builds images, so
// those two internal modules are replaced by stubs in the CommonJS cache before dockerode
// is required. If dockerode's layout changes, the stubs are skipped and it loads in full.

import Module, { createRequire } from 'node:module';
import type DockerType from 'dockerode';

const require = createRequire(import.meta.url);

function stub(request: string, exports: unknown): void {
  let file: string;
  try {
    file = require.resolve(request);
  } catch {
    return; // layout changed: load the real module
  }
  if (require.cache[file]) return;
  const m = new Module(file);
  m.filename = file;
  m.loaded = true;
  m.exports = exports;
  require.cache[file] = m;
}

function unavailable(what: string): () => never {
  return () => {
    throw new Error(`${what} is not available in orch (not loaded, to save memory)`);
  };
}

let loaded: typeof DockerType | undefined;

export function loadDockerode(): typeof DockerType {
  if (loaded) return loaded;
  stub('dockerode/lib/session.js', unavailable('BuildKit session (image builds)'));
  stub('docker-modem/lib/ssh.js', unavailable('Docker over ssh://'));
  loaded = require('dockerode') as typeof DockerType;
  return loaded;
}
