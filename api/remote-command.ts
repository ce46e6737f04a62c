// Kubernetes' remotecommand channel protocol over WebSocket (exec and attach), as the
// kubelet serves it: every binary message is one channel byte followed by that channel's
// bytes. Channels: 0 stdin, 1 stdout, 2 stderr, 3 error (how the command ended), 4 resize;
// v5 adds 255, the client's "I closed this stream" signal (its payload: the channel), so
// stdin can end without closing the connection. Pure functions shared by the agent (the
// server side, agent/streams/) and the client (client/remote-command.ts).

export const V5 = 'v5.channel.k8s.io';
export const V4 = 'v4.channel.k8s.io';
export const V3 = 'v3.channel.k8s.io';
export const V2 = 'v2.channel.k8s.io';
/** v1: what a client that names no subprotocol gets. */
export const V1 = 'channel.k8s.io';
export const PROTOCOLS = [V5, V4, V3, V2, V1] as const;
export type ChannelProtocol = (typeof PROTOCOLS)[number];

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
export const CLOSE = 255;

/**
 * The subprotocol to answer with: the first the client offers that is served (the
 * kubelet's rule), v1 when it offers none, undefined when it offers only unknown ones.
 */
export function pickProtocol(offered: string[]): ChannelProtocol | undefined {
  if (!offered.length) return V1;
  return offered.find((p): p is ChannelProtocol => (PROTOCOLS as readonly string[]).includes(p));
}

/** The offered subprotocols of a Sec-WebSocket-Protocol header (comma separated, possibly repeated). */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const parts = Array.isArray(header) ? header : header ? [header] : [];
  return parts.flatMap((h) => h.split(',')).map((p) => p.trim()).filter(Boolean);
}

export const supportsClose = (p: ChannelProtocol) => p === V5;
/** v4 and later write a JSON Status on the error channel; earlier ones a bare message, and only on failure. */
export const writesStatus = (p: ChannelProtocol) => p === V5 || p === V4;
/** The resize channel came with v3. */
export const supportsResize = (p: ChannelProtocol) => p === V5 || p === V4 || p === V3;

export function frame(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = channel;
  body.copy(out, 1);
  return out;
}

/** undefined for an empty message (some clients send one per channel when they start). */
export function parseFrame(msg: Buffer): { channel: number; data: Buffer } | undefined {
  if (msg.length === 0) return undefined;
  return { channel: msg[0]!, data: msg.subarray(1) };
}

export interface TerminalSize {
  width: number;
  height: number;
}

/** A resize message: {"Width":80,"Height":24} (client-go's TerminalSize). undefined when unreadable. */
export function parseResize(data: Buffer): TerminalSize | undefined {
  let v: unknown;
  try {
    v = JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
  const o = v as { Width?: unknown; Height?: unknown };
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535;
  if (!v || typeof v !== 'object' || !ok(o.Width) || !ok(o.Height)) return undefined;
  return { width: o.Width, height: o.Height };
}

/** A v1 Status as written on the error channel (its reasons go beyond the API's catalogue). */
export interface ChannelStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes: { reason: string; message: string }[] };
}

/** How the command ended, as the kubelet reports it on the error channel (v4+). */
export function exitStatus(exitCode: number | undefined, cmd: string[] | undefined): ChannelStatus {
  if (exitCode === 0 || exitCode === undefined) return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  const what = cmd ? `error executing command [${cmd.join(' ')}], exit code ${exitCode}` : `exit code ${exitCode}`;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: ${what}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** A failure that is not the command's own (the engine failed mid-session). */
export function internalErrorStatus(message: string): ChannelStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}

/**
 * The error-channel message for a session's end, or undefined when nothing is sent
 * (success on v1-v3). v1-v3 carry only the message text.
 */
export function errorChannelMessage(p: ChannelProtocol, status: ChannelStatus): string | undefined {
  if (writesStatus(p)) return JSON.stringify(status);
  return status.status === 'Success' ? undefined : (status.message ?? 'error');
}
