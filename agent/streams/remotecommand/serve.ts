// The common course of an exec or attach request on the agent: read the options, find the
// running container, start the process's streams, and only then take the WebSocket, so
// every failure up to there is an HTTP Status the client shows (kubectl prints it after
// "unable to upgrade connection"). After the upgrade nothing escapes: the session ends
// with a Status on the error channel.

import { ApiError, errors } from '../../../api/errors.js';
import type { Logger } from '../../../foundation/logger.js';
import { isRuntimeError, type ContainerInfo, type ContainerRuntime, type StreamSession } from '../../runtime/types.js';
import { runningContainer } from '../target-container.js';
import type { StreamRequest } from '../types.js';
import { parseRemoteCommandQuery, type RemoteCommandOptions } from './options.js';
import { channelProtocolOf, acceptWebSocket } from './upgrade.js';
import { runChannelSession } from './session.js';

export interface RemoteCommandDeps {
  runtime: ContainerRuntime;
  nodeName: string;
  logger: Logger;
}

export type StartStreams = (c: ContainerInfo, o: RemoteCommandOptions) => Promise<StreamSession>;

export async function serveRemoteCommand(d: RemoteCommandDeps, r: StreamRequest, start: StartStreams): Promise<void> {
  const exec = r.kind === 'exec';
  if (!r.container) throw errors.badRequest('a container name is required');
  const opts = parseRemoteCommandQuery(r.query, exec);
  const container = await runningContainer(d.runtime, d.nodeName, r.namespace, r.pod, r.container, { details: !exec });
  const protocol = channelProtocolOf(r.req);
  let session: StreamSession;
  try {
    session = await start(container, opts);
  } catch (err) {
    if (isRuntimeError(err, 'notfound') || isRuntimeError(err, 'conflict')) {
      throw errors.badRequest(`container "${r.container}" in pod "${r.pod}" is not running: ${(err as Error).message}`);
    }
    if (err instanceof ApiError) throw err;
    d.logger.warn({ err, pod: `${r.namespace}/${r.pod}`, container: r.container }, `${r.kind} failed to start`);
    throw errors.internal(`${r.kind} in container "${r.container}" failed to start: ${(err as Error).message}`);
  }
  const log = d.logger.child({ stream: r.kind, pod: `${r.namespace}/${r.pod}`, container: r.container, protocol });
  let ws;
  try {
    ws = await acceptWebSocket(r.req, r.socket, r.head);
  } catch (err) {
    log.debug({ err }, 'upgrade not completed');
    session.close();
    return;
  }
  log.debug({ command: exec ? opts.command : undefined, tty: opts.tty, stdin: opts.stdin }, 'stream started');
  await runChannelSession({ ws, protocol, session, command: exec ? opts.command : undefined, stdout: opts.stdout, stderr: opts.stderr, logger: log });
  log.debug('stream ended');
}
