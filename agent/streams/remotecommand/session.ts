// One exec or attach session over an upgraded WebSocket: client messages go to the
// process (stdin, resize, v5's close of stdin), the process's output goes back in frames
// with backpressure both ways, and when the output has ended the error channel says how
// the command ended, then the connection closes. Never throws: the socket is ours now.

import type { WebSocket } from 'ws';
import type { Logger } from '../../../foundation/logger.js';
import type { StreamSession } from '../../runtime/types.js';
import {
  CLOSE,
  ERROR,
  RESIZE,
  STDERR,
  STDIN,
  STDOUT,
  errorChannelMessage,
  exitStatus,
  frame,
  internalErrorStatus,
  parseFrame,
  parseResize,
  supportsClose,
  supportsResize,
  type ChannelProtocol,
} from '../../../api/remote-command.js';

/** Output held in the WebSocket's send buffer before the process's stream is paused. */
const HIGH_WATER = 1 << 20;

export interface ChannelSessionOptions {
  ws: WebSocket;
  protocol: ChannelProtocol;
  session: StreamSession;
  /** The exec'd command (undefined for attach): named in a non-zero exit's message. */
  command?: string[];
  /** What the client asked for: output it did not ask for is drained, not sent. */
  stdout: boolean;
  stderr: boolean;
  logger: Logger;
}

export function runChannelSession(o: ChannelSessionOptions): Promise<void> {
  const { ws, protocol, session } = o;
  return new Promise<void>((resolve) => {
    let finished = false;
    let resizes: Promise<void> = Promise.resolve();
    const finish = () => {
      if (finished) return;
      finished = true;
      resolve();
    };

    ws.on('message', (msg: Buffer, isBinary: boolean) => {
      if (!isBinary) return; // base64.channel.k8s.io text frames are not served
      const f = parseFrame(msg);
      if (!f) return;
      if (f.channel === STDIN) {
        if (!session.stdin || session.stdin.writableEnded) return;
        if (!session.stdin.write(f.data)) {
          // Hold the client until the process has taken it in (or its stdin is gone).
          const stdin = session.stdin;
          ws.pause();
          const go = () => {
            for (const e of ['drain', 'finish', 'close', 'error']) stdin.off(e, go);
            ws.resume();
          };
          for (const e of ['drain', 'finish', 'close', 'error']) stdin.once(e, go);
        }
      } else if (f.channel === RESIZE && supportsResize(protocol)) {
        const size = parseResize(f.data);
        // One at a time, in order: kubectl attach sends size+1 then the size (to force a
        // redraw), and two concurrent Docker calls may land the other way round.
        if (size) resizes = resizes.then(() => session.resize(size.width, size.height)).catch(() => undefined);
      } else if (f.channel === CLOSE && supportsClose(protocol) && f.data[0] === STDIN) {
        session.stdin?.end();
      }
    });
    // The client went away (or closed): let go of the process, as the kubelet does.
    ws.on('close', () => {
      session.close();
      finish();
    });
    ws.on('error', (err) => o.logger.debug({ err }, 'stream client connection failed'));

    const pump = (src: NodeJS.ReadableStream & { pause(): void; resume(): void }, channel: number, wanted: boolean) => {
      src.on('data', (chunk: Buffer) => {
        if (!wanted || ws.readyState !== ws.OPEN) return;
        ws.send(frame(channel, chunk), { binary: true });
        if (ws.bufferedAmount > HIGH_WATER) {
          src.pause();
          const wait = () => (ws.readyState !== ws.OPEN || ws.bufferedAmount <= HIGH_WATER ? src.resume() : setTimeout(wait, 5));
          setTimeout(wait, 5);
        }
      });
      src.on('error', () => undefined);
    };
    pump(session.stdout, STDOUT, o.stdout);
    pump(session.stderr, STDERR, o.stderr);

    // Every byte of output is queued before the Status that ends the session.
    const drained = (src: NodeJS.ReadableStream & { readableEnded?: boolean; destroyed?: boolean }) =>
      new Promise<void>((r) => (src.readableEnded || src.destroyed ? r() : (src.once('end', r), src.once('close', r))));
    Promise.all([drained(session.stdout), drained(session.stderr)])
      .then(() => session.done)
      .then(({ exitCode }) => exitStatus(exitCode, o.command))
      .catch((err: unknown) => {
        o.logger.warn({ err }, 'stream session failed');
        return internalErrorStatus(`error in the stream to the container: ${(err as Error)?.message ?? String(err)}`);
      })
      .then((status) => {
        if (ws.readyState !== ws.OPEN) return finish();
        const msg = errorChannelMessage(protocol, status);
        if (msg !== undefined) ws.send(frame(ERROR, msg), { binary: true });
        // A normal close once everything queued before it is sent.
        ws.close(1000);
        ws.once('close', finish);
      });
  });
}
