// The query of an exec or attach request (the kubelet's parameters, passed on unchanged by
// the apiserver): command (repeated, exec only), stdin, stdout, stderr, tty. Booleans as
// Go's strconv.ParseBool reads them, since kubectl sends "true" and the kubelet's own
// clients "1".

import { errors } from '../../../api/errors.js';
import type { StreamOptions } from '../../runtime/types.js';

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['', '0', 'f', 'F', 'FALSE', 'false', 'False']);

function bool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || FALSE.has(v)) return false;
  if (TRUE.has(v)) return true;
  throw errors.badRequest(`${name}: invalid value "${v.slice(0, 100)}": must be true or false`);
}

export interface RemoteCommandOptions extends StreamOptions {
  /** Exec only. */
  command: string[];
}

export function parseRemoteCommandQuery(q: URLSearchParams, exec: boolean): RemoteCommandOptions {
  const tty = bool(q, 'tty');
  const o: RemoteCommandOptions = {
    command: q.getAll('command'),
    stdin: bool(q, 'stdin'),
    stdout: bool(q, 'stdout'),
    // A terminal merges stderr into its output (the kubelet drops stderr with tty too).
    stderr: bool(q, 'stderr') && !tty,
    tty,
  };
  if (!o.stdin && !o.stdout && !o.stderr) throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  if (exec && !o.command.length) throw errors.badRequest('you must specify at least one command for the container');
  return o;
}
