// The client side of pods/{name}/exec and pods/{name}/attach: a WebSocket with the
// remotecommand channel protocol (api/remote-command.ts), v5 preferred (it can close
// stdin without closing the connection), v4 accepted. Local streams are copied to and
// from their channels with backpressure; the result is the Status the server sent on the
// error channel. A refused upgrade (400, 403, 404 ...) rejects with its Status as ApiError.

import type { IncomingMessage } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import { WebSocket } from 'ws';
import { ApiError, isStatus, makeStatus } from '../api/errors.js';
import {
  CLOSE,
  ERROR,
  STDERR,
  STDIN,
  STDOUT,
  RESIZE,
  V4,
  V5,
  frame,
  parseFrame,
  writesStatus,
  type ChannelProtocol,
  type ChannelStatus,
  type TerminalSize,
} from '../api/remote-command.js';
import type { ClientConfig } from './types.js';

export interface TerminalSizeSource {
  current(): TerminalSize | undefined;
  /** Calls back on every change; returns the unsubscribe. */
  onChange(cb: () => void): () => void;
}

export interface RemoteCommandStreams {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** With a terminal: its size is sent at the start and on every change. */
  terminal?: TerminalSizeSource;
  /** Closes the stream (the process goes on in the container); the promise then settles as closed. */
  signal?: AbortSignal;
}

/** Client messages held in the send buffer before stdin is paused. */
const HIGH_WATER = 1 << 20;

/** What a refused handshake answered, as an ApiError. */
function refused(res: IncomingMessage): Promise<ApiError> {
  return new Promise((resolve) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (body.length < 65536 ? (body += c) : undefined));
    res.on('error', () => undefined);
    res.on('end', () => {
      try {
        const s: unknown = JSON.parse(body);
        if (isStatus(s)) return resolve(new ApiError(s));
      } catch {
        /* not a Status: described below */
      }
      const code = res.statusCode ?? 500;
      resolve(new ApiError(makeStatus(code, 'Unknown', `the server refused the stream (HTTP ${code}${body ? `: ${body.trim().slice(0, 500)}` : ''})`)));
    });
  });
}

/** The process's exit code from the error channel's Status (0 on success, 1 when none is given). */
export function exitCodeOf(status: ChannelStatus): number {
  if (status.status === 'Success') return 0;
  const cause = status.reason === 'NonZeroExitCode' ? status.details?.causes.find((c) => c.reason === 'ExitCode') : undefined;
  const n = Number(cause?.message);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

export function streamRemoteCommand(config: ClientConfig, path: string, query: URLSearchParams, s: RemoteCommandStreams): Promise<ChannelStatus> {
  const url = `${config.server.replace(/^http/, 'ws').replace(/\/$/, '')}${path}?${query.toString()}`;
  const ws = new WebSocket(url, [V5, V4], {
    headers: { ...(config.token ? { Authorization: `Bearer ${config.token}` } : {}), 'User-Agent': config.userAgent ?? 'orch-client' },
    ca: config.ca,
    rejectUnauthorized: !config.insecureSkipTLSVerify,
    perMessageDeflate: false,
    handshakeTimeout: config.timeoutMs ?? 30_000,
  });
  return new Promise<ChannelStatus>((resolve, reject) => {
    let status: ChannelStatus | undefined;
    let settled = false;
    const cleanups: (() => void)[] = [];
    const settle = (err: Error | undefined, st?: ChannelStatus) => {
      if (settled) return;
      settled = true;
      for (const c of cleanups) c();
      if (err) reject(err);
      else resolve(st!);
    };
    let refusing = false;
    ws.on('unexpected-response', (req, res) => {
      refusing = true;
      void refused(res).then((e) => {
        settle(e);
        req.destroy();
      });
    });
    ws.on('error', (err) => !refusing && settle(new ApiError(makeStatus(503, 'ServiceUnavailable', `stream to the server failed: ${err.message}`))));
    if (s.signal) {
      const abort = () => ws.close(1000);
      if (s.signal.aborted) abort();
      s.signal.addEventListener('abort', abort);
      cleanups.push(() => s.signal!.removeEventListener('abort', abort));
    }
    ws.on('open', () => {
      const protocol = ws.protocol as ChannelProtocol;
      if (s.terminal) {
        const send = () => {
          const size = s.terminal!.current();
          if (size && ws.readyState === ws.OPEN) ws.send(frame(RESIZE, JSON.stringify({ Width: size.width, Height: size.height })));
        };
        send();
        cleanups.push(s.terminal.onChange(send));
      }
      if (s.stdin) {
        const stdin = s.stdin;
        const onData = (chunk: Buffer | string) => {
          if (ws.readyState !== ws.OPEN) return;
          ws.send(frame(STDIN, typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
          if (ws.bufferedAmount > HIGH_WATER) {
            stdin.pause();
            const wait = () => (ws.readyState !== ws.OPEN || ws.bufferedAmount <= HIGH_WATER ? stdin.resume() : setTimeout(wait, 5));
            setTimeout(wait, 5);
          }
        };
        // v5 tells the server stdin ended; v4 cannot, so the connection stays as it is (as kubectl does).
        const onEnd = () => protocol === V5 && ws.readyState === ws.OPEN && ws.send(Buffer.from([CLOSE, STDIN]));
        stdin.on('data', onData);
        stdin.on('end', onEnd);
        cleanups.push(() => {
          stdin.off('data', onData);
          stdin.off('end', onEnd);
          stdin.pause();
        });
      }
    });
    ws.on('message', (msg: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      const f = parseFrame(msg);
      if (!f || !f.data.length) return;
      const out = f.channel === STDOUT ? s.stdout : f.channel === STDERR ? s.stderr : undefined;
      // A slow reader holds the server (the agent then holds the process's output).
      if (out && !out.write(f.data)) {
        ws.pause();
        out.once('drain', () => ws.resume());
      }
      if (f.channel === ERROR) status = parseErrorChannel(ws.protocol as ChannelProtocol, f.data);
    });
    ws.on('close', (code: number) => {
      if (status) return settle(undefined, status);
      // v1-v3 say nothing on success; a connection cut short said nothing either.
      if (code === 1000) return settle(undefined, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
      settle(new ApiError(makeStatus(503, 'ServiceUnavailable', `the stream closed before the command ended (WebSocket close code ${code})`)));
    });
  });
}

function parseErrorChannel(p: ChannelProtocol, data: Buffer): ChannelStatus {
  const text = data.toString('utf8');
  if (writesStatus(p)) {
    try {
      const v = JSON.parse(text) as ChannelStatus;
      if (v && typeof v === 'object' && (v.status === 'Success' || v.status === 'Failure')) return v;
    } catch {
      /* fall through: shown as a message */
    }
  }
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: text };
}
