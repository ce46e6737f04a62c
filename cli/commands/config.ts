// `orch config view|use-context|set-context|get-contexts`: several clusters, one client.

import { Command } from 'commander';
import fs from 'node:fs';
import { configPath, readConfigFile, writeConfigFile } from '../client-config.js';
import { formatTable } from '../printers/table.js';

export function configCommand(): Command {
  const cmd = new Command('config').description(`Show or change the client configuration (${configPath()}, or $ORCH_CONFIG)`);
  cmd.addCommand(
    new Command('view').description('Print the configuration (tokens and CA shortened)').option('--raw', 'print tokens and CA in full').action((flags: { raw?: boolean }) => {
      const cfg = readConfigFile() ?? { contexts: {} };
      const shown = {
        currentContext: cfg.currentContext,
        contexts: Object.fromEntries(
          Object.entries(cfg.contexts).map(([n, c]) => [n, flags.raw ? c : { ...c, token: c.token ? 'REDACTED' : undefined, ca: c.ca ? 'DATA+OMITTED' : undefined }]),
        ),
      };
      process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    }),
  );
  cmd.addCommand(
    new Command('get-contexts').description('List contexts').action(() => {
      const cfg = readConfigFile() ?? { contexts: {} };
      const rows = Object.entries(cfg.contexts).map(([n, c]) => [n === cfg.currentContext ? '*' : '', n, c.server, c.namespace ?? 'default']);
      process.stdout.write(`${formatTable(['CURRENT', 'NAME', 'SERVER', 'NAMESPACE'], rows)}\n`);
    }),
  );
  cmd.addCommand(
    new Command('use-context').description('Make a context the current one').argument('<name>').action((name: string) => {
      const cfg = readConfigFile() ?? { contexts: {} };
      if (!cfg.contexts[name]) throw new Error(`context "${name}" not found; known contexts: ${Object.keys(cfg.contexts).join(', ') || 'none'}`);
      cfg.currentContext = name;
      writeConfigFile(cfg);
      process.stdout.write(`Switched to context "${name}".\n`);
    }),
  );
  cmd.addCommand(
    new Command('set-context')
      .description('Create or change a context (only the given fields change)')
      .argument('<name>')
      .option('--server <url>', 'API server URL')
      .option('--token-file <file>', 'read the bearer token from this file')
      .option('--ca-file <file>', 'CA certificate (PEM) that signed the server certificate')
      .option('--namespace <ns>', 'default namespace')
      .option('--insecure-skip-tls-verify', 'do not verify the server certificate (development only)')
      .option('--current', 'also make it the current context')
      .action((name: string, flags: { server?: string; tokenFile?: string; caFile?: string; namespace?: string; insecureSkipTlsVerify?: boolean; current?: boolean }) => {
        const cfg = readConfigFile() ?? { contexts: {} };
        const prev = cfg.contexts[name];
        const server = flags.server ?? prev?.server;
        if (!server) throw new Error(`a new context needs --server`);
        cfg.contexts[name] = {
          ...prev,
          server,
          ...(flags.tokenFile ? { token: fs.readFileSync(flags.tokenFile, 'utf8').trim() } : {}),
          ...(flags.caFile ? { ca: fs.readFileSync(flags.caFile, 'utf8') } : {}),
          ...(flags.namespace ? { namespace: flags.namespace } : {}),
          ...(flags.insecureSkipTlsVerify ? { insecureSkipTLSVerify: true } : {}),
        };
        if (flags.current || !cfg.currentContext) cfg.currentContext = name;
        writeConfigFile(cfg);
        process.stdout.write(`Context "${name}" ${prev ? 'modified' : 'created'}.\n`);
      }),
  );
  return cmd;
}
