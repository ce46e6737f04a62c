// `orch version`: this client's version and the server's (/version).

import { Command } from 'commander';
import { cliContext } from '../context.js';
import { ORCH_VERSION } from '../version-info.js';

export function versionCommand(): Command {
  return new Command('version')
    .description('Print the client and server versions')
    .option('--client', 'only the client version (no server needed)')
    .action(async (flags: { client?: boolean }, cmd: Command) => {
      process.stdout.write(`Client Version: ${ORCH_VERSION}\n`);
      if (flags.client) return;
      const ctx = cliContext(cmd);
      const client = ctx.client as unknown as { request?: (m: string, p: string) => Promise<unknown> };
      if (!client.request) throw new Error('this client cannot read /version');
      const v = (await client.request('GET', '/version')) as { gitVersion?: string; platform?: string };
      ctx.out(`Server Version: ${v.gitVersion ?? 'unknown'}${v.platform ? ` (${v.platform})` : ''}`);
    });
}
