// `orch explain TYPE[.field.path] [--recursive] [--api-version G/V]`: the documentation
// of a kind and its fields, read from the schemas the server publishes at /openapi/v3
// (the same ones `kubectl explain` reads), so it describes what this server serves.

import { Command } from 'commander';
import { parseApiVersion, resolveResourceName, type ResourceInfo } from '../../api/resources.js';
import { cliContext } from '../context.js';
import { ExplainError, renderExplain } from '../explain-render.js';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function explainCommand(): Command {
  return new Command('explain')
    .description('Describe a kind and its fields from the server\'s schemas (e.g. orch explain pod.spec.containers)')
    .argument('<type[.field.path]>', 'a resource type (pods, deploy, svc...) optionally followed by a dotted field path')
    .option('--recursive', 'list every nested field (names and types, without descriptions)')
    .option('--api-version <group/version>', 'the group version of the type (default: the one orch serves)')
    .action(async (arg: string, flags: { recursive?: boolean; apiVersion?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const [type = '', ...path] = arg.split('.');
      // A group-qualified type ('deployments.apps.spec') has its group inside the dots:
      // take the longest prefix that names a resource.
      let r: ResourceInfo | undefined;
      let rest = path;
      for (let i = path.length; i > 0 && !r; i--) {
        r = resolveResourceName([type, ...path.slice(0, i)].join('.'));
        if (r) rest = path.slice(i);
      }
      r ??= resolveResourceName(type);
      if (!r) throw new ExplainError(`the server doesn't have a resource type "${type}"`);
      const gv = flags.apiVersion ? parseApiVersion(flags.apiVersion) : { group: r.group, version: r.version };
      const index = await ctx.client.request<{ paths: Record<string, { serverRelativeURL: string }> }>('GET', '/openapi/v3');
      const entry = index.paths[gvPath(gv.group, gv.version)];
      if (!entry) throw new ExplainError(`the server does not serve ${flags.apiVersion ?? gvPath(gv.group, gv.version)}`);
      const [p, q] = entry.serverRelativeURL.split('?');
      const doc = await ctx.client.request<Record<string, unknown>>('GET', p!, { query: Object.fromEntries(new URLSearchParams(q ?? '')) });
      ctx.out(renderExplain(doc, { ...gv, kind: r.kind, path: rest, recursive: flags.recursive }));
    });
}
