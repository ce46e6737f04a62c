// The API client of a long-running component, from its connection flags
// (foundation/component-flags.ts declares them).

import fs from 'node:fs';
import type { ConnectionFlagValues } from '../foundation/component-flags.js';
import type { Logger } from '../foundation/logger.js';
import { ApiClient } from './rest-client.js';

export function clientFromFlags(flags: ConnectionFlagValues, userAgent: string, logger: Logger): ApiClient {
  return new ApiClient(
    {
      server: flags.server,
      token: flags.tokenFile ? fs.readFileSync(flags.tokenFile, 'utf8').trim() : undefined,
      ca: flags.caFile ? fs.readFileSync(flags.caFile, 'utf8') : undefined,
      insecureSkipTLSVerify: flags.insecureSkipTlsVerify ?? false,
      userAgent,
    },
    { logger },
  );
}
