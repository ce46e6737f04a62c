// `orch apply -f FILE|DIR|-`: create what is missing, patch what changed (three-way, with
// the last applied configuration kept in an annotation), leave the rest `unchanged`.
// Errors name the file, document, field and line. --wait shows rollout progress.

import { Command } from 'commander';
import { ApiError } from '../../api/errors.js';
import { applyDefaults } from '../../api/defaults.js';
import { resourceForKind, type ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { validateObject } from '../../api/validation/index.js';
import { isNotFound } from '../../api/errors.js';
import { computeApplyPatch, withLastApplied } from '../apply-patch.js';
import { cliContext, type CliContext } from '../context.js';
import { loadManifests, type LoadedObject } from '../manifest.js';
import { qualifiedName } from '../printers/print.js';
import { waitForDeployments } from '../wait-deployments.js';
import { parseDuration } from '../../foundation/duration.js';

export type DryRun = 'none' | 'client' | 'server';

export function parseDryRun(v: string | boolean | undefined): DryRun {
  if (v === undefined || v === false || v === 'none') return 'none';
  if (v === true || v === 'client') return 'client';
  if (v === 'server') return 'server';
  throw new Error(`--dry-run must be none, client or server (got "${v}")`);
}

/** "web.yaml, document 2, line 14: spec.replicas: must be greater than or equal to 0" */
export function locate(item: LoadedObject, field: string | undefined, message: string): string {
  const line = field ? item.lineOf(field) : undefined;
  const where = `${item.source.file}, document ${item.source.document}, line ${line ?? item.source.line}`;
  return `${where}: ${field ? `${field}: ` : ''}${message}`;
}

export function describeApiError(item: LoadedObject, err: unknown): string {
  const name = `${qualifiedName(item.object)}`;
  if (err instanceof ApiError) {
    const causes = err.status.details?.causes ?? [];
    if (causes.length) return [`${name} is invalid:`, ...causes.map((c) => `  ${locate(item, c.field, c.message)}`)].join('\n');
    return `${locate(item, undefined, `${name}: ${err.message}`)}`;
  }
  return `${locate(item, undefined, `${name}: ${(err as Error).message}`)}`;
}

function checkLocally(item: LoadedObject, r: ResourceInfo, namespace: string): string | undefined {
  const copy = JSON.parse(JSON.stringify(item.object)) as KubeObject;
  // The server fills these in before it validates; do the same so only real mistakes show.
  if (r.namespaced) copy.metadata.namespace = copy.metadata.namespace ?? namespace;
  applyDefaults(r, copy);
  const causes = validateObject(r, copy);
  if (!causes.length) return undefined;
  return [`${qualifiedName(item.object)} is invalid:`, ...causes.map((c) => `  ${locate(item, c.field, c.message)}`)].join('\n');
}

export async function applyOne(ctx: CliContext, item: LoadedObject, dryRun: DryRun): Promise<'created' | 'configured' | 'unchanged'> {
  const obj = item.object;
  const r = resourceForKind(obj.apiVersion ?? '', obj.kind ?? '');
  if (!r) throw new Error(locate(item, 'kind', `no resource of kind "${obj.kind}" in ${obj.apiVersion} (supported kinds are listed by \`orch api-resources\`)`));
  if (!obj.metadata?.name) throw new Error(locate(item, 'metadata.name', 'a name is required (apply does not support generateName)'));
  const local = checkLocally(item, r, ctx.namespace);
  if (local) throw new Error(local);
  const desired: KubeObject = JSON.parse(JSON.stringify(obj));
  if (r.namespaced) desired.metadata.namespace = desired.metadata.namespace ?? ctx.namespace;
  else delete desired.metadata.namespace;
  const rc = ctx.client.resource(r.plural);
  const ns = r.namespaced ? desired.metadata.namespace : undefined;
  let live: KubeObject | undefined;
  try {
    live = await rc.get(desired.metadata.name!, ns);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!live) {
    if (dryRun !== 'client') await rc.create(withLastApplied(desired), { dryRun: dryRun === 'server' });
    return 'created';
  }
  const patch = computeApplyPatch(desired, live);
  if (!patch) return 'unchanged';
  if (dryRun !== 'client') {
    // The resourceVersion precondition makes a concurrent writer a clear 409, not a silent overwrite.
    (patch.metadata as Record<string, unknown>) = { ...((patch.metadata as Record<string, unknown>) ?? {}), resourceVersion: live.metadata.resourceVersion };
    await rc.patch(desired.metadata.name!, ns, patch, 'merge', { dryRun: dryRun === 'server' });
  }
  return 'configured';
}

export function applyCommand(): Command {
  return new Command('apply')
    .description('Create or update objects from YAML/JSON manifests (files, directories or - for stdin)')
    .requiredOption('-f, --filename <path...>', 'manifest file, directory, or - for stdin (repeatable)')
    .option('-R, --recursive', 'read directories recursively')
    .option('--dry-run [mode]', 'client (check locally) or server (validated by the server, nothing stored)')
    .option('--wait', 'after applying, show live progress until every applied Deployment is available')
    .option('--timeout <duration>', 'how long --wait waits', '5m')
    .action(async (flags: { filename: string[]; recursive?: boolean; dryRun?: string | boolean; wait?: boolean; timeout: string }, cmd: Command) => {
      const dryRun = parseDryRun(flags.dryRun);
      const timeoutMs = parseDuration(flags.timeout, '--timeout');
      const items = loadManifests(flags.filename, { recursive: flags.recursive });
      if (!items.length) throw new Error(`no objects found in ${flags.filename.join(', ')}`);
      const ctx = cliContext(cmd);
      const suffix = dryRun === 'none' ? '' : ` (${dryRun} dry run)`;
      const failures: string[] = [];
      const deployments: { namespace: string; name: string }[] = [];
      // Namespaces first, so objects in a namespace created by the same apply find it.
      const ordered = [...items].sort((a, b) => Number(b.object.kind === 'Namespace') - Number(a.object.kind === 'Namespace'));
      for (const item of ordered) {
        try {
          const result = await applyOne(ctx, item, dryRun);
          ctx.out(`${qualifiedName(item.object)} ${result}${suffix}`);
          if (item.object.kind === 'Deployment') deployments.push({ namespace: item.object.metadata.namespace ?? ctx.namespace, name: item.object.metadata.name! });
        } catch (err) {
          const msg = err instanceof ApiError ? describeApiError(item, err) : (err as Error).message;
          failures.push(msg);
          ctx.err(`error: ${msg}`);
        }
      }
      if (flags.wait && dryRun === 'none' && deployments.length) {
        const res = await waitForDeployments(ctx.client, deployments, { timeoutMs, isTTY: ctx.isTTY, write: (t) => process.stdout.write(t) });
        if (!res.ok) failures.push(...res.failures.map((f) => (ctx.err(`error: ${f}`), f)));
      }
      if (failures.length) process.exitCode = 1;
    });
}
