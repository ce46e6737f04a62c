// The API client of a long-running component, from its connection flags
// (foundation/component-flags.ts declares them).

import fs from 'node:fs';
import path from 'node:path';
import type { ConnectionFlagValues } from '../foundation/component-flags.js';
import type { Logger } from '../foundation/logger.js';
import type { Registry } from '../foundation/metrics.js';
import { restClientMetrics } from './metrics.js';
import { ApiClient } from './rest-client.js';
import { followCertDir } from './cert-dir-credentials.js';

/**
 * With a registry, the client's requests show as rest_client_* metrics there. With
 * `certDir`, it authenticates with the node credential there and follows its rotation
 * (cert-dir-credentials.ts).
 */
export function clientFromFlags(flags: ConnectionFlagValues & { certDir?: string }, userAgent: string, logger: Logger, registry?: Registry): ApiClient {
  // A node that found its CA by hash (agent --discovery-token-ca-cert-hash) keeps it in the cert dir.
  const keptCa = flags.certDir && !flags.caFile && fs.existsSync(path.join(flags.certDir, 'ca.crt')) ? path.join(flags.certDir, 'ca.crt') : undefined;
  const caFile = flags.caFile ?? keptCa;
  const client = new ApiClient(
    {
      server: flags.server,
      token: flags.tokenFile ? fs.readFileSync(flags.tokenFile, 'utf8').trim() : undefined,
      ca: caFile ? fs.readFileSync(caFile, 'utf8') : undefined,
      insecureSkipTLSVerify: flags.insecureSkipTlsVerify ?? false,
      userAgent,
    },
    { logger, observe: registry ? restClientMetrics(registry) : undefined },
  );
  if (flags.certDir) followCertDir(client, flags.certDir, logger);
  return client;
}
