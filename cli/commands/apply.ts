// `orch apply -f FILE|DIR|-`: create what is missing, patch what changed (three-way, with
// the last applied configuration kept in an annotation), leave the rest `unchanged`.
// Errors name the file, document, field and line. --wait shows rollout progress.

import { Command } from 'commander';
import { ApiError } from '../../api/errors.js';
import { applyDefaults } from '../../api/defaults.js';
import { resourceForKind, resourcePath, type ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { validateObject } from '../../api/validation/index.js';
import { isNotFound } from '../../api/errors.js';
import { computeApplyPatch, withLastApplied } from '../apply-patch.js';
import { cliContext, type CliContext } from '../context.js';
import { loadManifests, type LoadedObject } from '../manifest.js';
import { qualifiedName } from '../printers/print.js';
import { waitForDeployments } from '../wait-deployments.js';
import { parseDuration } from '../../foundation/duration.js';
import { traceHop } from '../../foundation/trace.js';

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
    if (causes.some((c) => c.reason === 'FieldManagerConflict'))
      return `${locate(item, undefined, `${name}: ${err.message}`)}\n  Other managers own these fields: re-run with --force-conflicts to take them over, leave them out of the manifest, or set the value they have to share them.`;
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

/** How `--server-side` applies: the server merges by field ownership (docs/api.md, Server-side apply). */
export interface ServerSideApply {
  fieldManager: string;
  forceConflicts: boolean;
}

/** PATCH application/apply-patch+yaml; "serverside-applied" as kubectl says it. */
async function applyServerSide(ctx: CliContext, r: ResourceInfo, desired: KubeObject, ssa: ServerSideApply, dryRun: DryRun): Promise<'serverside-applied'> {
  if (dryRun === 'client') return 'serverside-applied';
  const path = resourcePath(r, { namespace: r.namespaced ? desired.metadata.namespace : undefined, name: desired.metadata.name });
  await ctx.client.request('PATCH', path, {
    body: desired,
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: ssa.fieldManager, force: ssa.forceConflicts ? 'true' : undefined, dryRun: dryRun === 'server' ? 'All' : undefined },
  });
  return 'serverside-applied';
}

export async function applyOne(ctx: CliContext, item: LoadedObject, dryRun: DryRun, ssa?: ServerSideApply): Promise<'created' | 'configured' | 'unchanged' | 'serverside-applied'> {
  const obj = item.object;
  const r = resourceForKind(obj.apiVersion ?? '', obj.kind ?? '');
  if (!r) throw new Error(locate(item, 'kind', `no resource of kind "${obj.kind}" in ${obj.apiVersion} (supported kinds are listed by \`orch api-resources\`)`));
  if (!obj.metadata?.name) throw new Error(locate(item, 'metadata.name', 'a name is required (apply does not support generateName)'));
  const local = checkLocally(item, r, ctx.namespace);
  if (local) throw new Error(local);
  const desired: KubeObject = JSON.parse(JSON.stringify(obj));
  if (r.namespaced) desired.metadata.namespace = desired.metadata.namespace ?? ctx.namespace;
  else delete desired.metadata.namespace;
  if (ssa) return applyServerSide(ctx, r, desired, ssa, dryRun);
  const rc = ctx.client.resource(r.plural);
  const ns = r.namespaced ? desired.metadata.namespace : undefined;
  let live: KubeObject | undefined;
  try {
    live = await rc.get(desired.metadata.name!, ns);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!live) {
    traceHop('cli.request', { kind: desired.kind, name: desired.metadata.name });
    if (dryRun !== 'client') await rc.create(withLastApplied(desired), { dryRun: dryRun === 'server' });
    traceHop('cli.response', { kind: desired.kind, name: desired.metadata.name });
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
    .option('--server-side', 'let the server merge by field ownership (managedFields); conflicts with other managers are errors')
    .option('--force-conflicts', 'with --server-side: take over fields other managers own')
    .option('--field-manager <name>', 'with --server-side: the manager name recorded for the applied fields', 'orch')
    .option('--wait', 'after applying, show live progress until every applied Deployment is available')
    .option('--timeout <duration>', 'how long --wait waits', '5m')
    .action(async (flags: { filename: string[]; recursive?: boolean; dryRun?: string | boolean; wait?: boolean; timeout: string; serverSide?: boolean; forceConflicts?: boolean; fieldManager: string }, cmd: Command) => {
      const dryRun = parseDryRun(flags.dryRun);
      if (flags.forceConflicts && !flags.serverSide) throw new Error('--force-conflicts only makes sense with --server-side');
      const ssa = flags.serverSide ? { fieldManager: flags.fieldManager, forceConflicts: !!flags.forceConflicts } : undefined;
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
          const result = await applyOne(ctx, item, dryRun, ssa);
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
