// `orch cp [-c CONTAINER] SRC DEST`, one side `[NAMESPACE/]POD:PATH`: files and directories
// to and from a container, as kubectl cp does it: a tar stream through exec (`tar -xmf -`
// in the container to copy in, `tar cf -` to copy out), so the image needs a tar.

import path from 'node:path';
import fs from 'node:fs';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { Command } from 'commander';
import tar from 'tar-stream';
import type { Pod } from '../../api/types.js';
import { exitCodeOf } from '../../client/remote-command.js';
import type { ApiClient } from '../../client/rest-client.js';
import { cliContext } from '../context.js';
import { chooseContainer } from '../streams/pod-session.js';
import { packLocal, unpackLocal } from '../streams/tar-files.js';

export interface RemotePath {
  namespace?: string;
  pod: string;
  path: string;
}

/** `[ns/]pod:path`, or undefined for a local path. */
export function parseRemotePath(arg: string): RemotePath | undefined {
  const colon = arg.indexOf(':');
  if (colon <= 0) return undefined;
  const where = arg.slice(0, colon);
  const p = arg.slice(colon + 1);
  if (where.includes('/') && where.split('/').length !== 2) return undefined;
  const [namespace, pod] = where.includes('/') ? where.split('/') : [undefined, where];
  if (!pod || !p) throw new Error(`"${arg}": a remote path is [NAMESPACE/]POD:PATH with a path`);
  return { namespace, pod, path: p };
}

interface Target {
  client: ApiClient;
  pod: Pod;
  container: string;
}

/** Runs a command in the container; stdin and stdout optional; resolves with its exit code and stderr. */
async function run(t: Target, command: string[], io: { stdin?: Readable; stdout?: Writable } = {}): Promise<{ code: number; stderr: string }> {
  const q = new URLSearchParams({ container: t.container, stdout: 'true', stderr: 'true' });
  for (const c of command) q.append('command', c);
  if (io.stdin) q.set('stdin', 'true');
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (c: Buffer) => (err.length < 10_000 ? (err += c) : undefined));
  const status = await t.client.podStream('exec', t.pod.metadata.namespace!, t.pod.metadata.name!, q, { stdin: io.stdin, stdout: io.stdout ?? new PassThrough().resume(), stderr });
  return { code: exitCodeOf(status), stderr: err.trim() || (status.status === 'Failure' ? (status.message ?? '') : '') };
}

async function copyIn(t: Target, local: string, remote: string, warn: (s: string) => void): Promise<void> {
  if (!fs.existsSync(local)) throw new Error(`${local} doesn't exist in local filesystem`);
  let dest = remote.replace(/\/+$/, '') || '/';
  // Into an existing directory: under the source's name (as cp does).
  if ((await run(t, ['test', '-d', dest])).code === 0) dest = path.posix.join(dest, path.basename(path.resolve(local)));
  const pack = tar.pack();
  const packing = packLocal(local, path.posix.basename(dest), pack, warn).catch((err: Error) => pack.destroy(err));
  const r = await run(t, ['tar', '-xmf', '-', '-C', path.posix.dirname(dest)], { stdin: pack });
  await packing;
  if (r.code !== 0) throw new Error(`copying into ${t.pod.metadata.name}:${remote} failed (tar exit code ${r.code}): ${r.stderr}`);
}

async function copyOut(t: Target, remote: string, local: string, warn: (s: string) => void): Promise<void> {
  const src = remote.replace(/\/+$/, '') || '/';
  const base = path.posix.basename(src);
  let dest = local;
  if (fs.existsSync(dest) && fs.statSync(dest).isDirectory() && (await run(t, ['test', '-d', src])).code !== 0) dest = path.join(dest, base);
  const out = new PassThrough();
  const unpacking = unpackLocal(out, base, dest, warn);
  const r = await run(t, ['tar', 'cf', '-', '-C', path.posix.dirname(src), base], { stdout: out });
  out.end();
  const n = await unpacking;
  if (r.code !== 0) throw new Error(`copying ${t.pod.metadata.name}:${remote} failed (tar exit code ${r.code}): ${r.stderr}`);
  if (n === 0) throw new Error(`${t.pod.metadata.name}:${remote}: nothing was copied`);
}

export function cpCommand(): Command {
  return new Command('cp')
    .description('Copy files and directories to and from a container: orch cp [-c CONTAINER] SRC DEST (one of them [NAMESPACE/]POD:PATH)')
    .argument('<src>')
    .argument('<dest>')
    .option('-c, --container <name>', 'the container (default: the default-container annotation, else the first)')
    .addHelpText('after', '\nExamples:\n  orch cp ./config.json web-1:/tmp/config.json\n  orch cp web-1:/var/log/app ./app-logs\n  orch cp -c side prod/web-1:/data/dump.sql dump.sql\n\nThe container needs a tar binary (busybox has one).')
    .action(async (srcArg: string, destArg: string, flags: { container?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const [src, dest] = [parseRemotePath(srcArg), parseRemotePath(destArg)];
      if (!!src === !!dest) throw new Error('one of SRC and DEST must be a remote path ([NAMESPACE/]POD:PATH), the other a local one');
      const remote = (src ?? dest)!;
      const pod = await ctx.client.pods.get(remote.pod, remote.namespace ?? ctx.namespace);
      const t: Target = { client: ctx.client, pod, container: chooseContainer(pod, flags.container, ctx.err) };
      if (dest) await copyIn(t, srcArg, dest.path, ctx.err);
      else await copyOut(t, src!.path, destArg, ctx.err);
    });
}
