// HTTP on a bare socket, for what a well-behaved client library will not send: malformed
// request lines, oversized headers, bodies that trickle in or never finish. The answer is
// parsed just enough to check it (status line, headers, body as JSON when it is).

import net from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

function parseAnswer(text: string): RawAnswer | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const len = Number(headers['content-length']);
  const raw = text.slice(end + 4);
  if (!Number.isNaN(len) && Buffer.byteLength(raw) < len) return undefined;
  let body: unknown = raw;
  try {
    body = JSON.parse(raw);
  } catch {
    /* not JSON */
  }
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0), headers, body };
}

/** A connection that sends `head` (and then whatever the caller writes) and records the answer. */
export class RawConnection {
  readonly socket: net.Socket;
  private text = '';
  /** Resolves with the first complete answer, or undefined when the connection closes without one. */
  readonly answer: Promise<RawAnswer | undefined>;
  answered: RawAnswer | undefined;
  closed = false;

  constructor(url: string, head: string) {
    const u = new URL(url);
    this.socket = net.connect(Number(u.port), u.hostname);
    this.socket.on('error', () => undefined);
    this.socket.write(head);
    this.answer = new Promise((resolve) => {
      this.socket.on('data', (d: Buffer) => {
        this.text += d.toString('utf8');
        const a = parseAnswer(this.text);
        if (a && !this.answered) {
          this.answered = a;
          resolve(a);
        }
      });
      this.socket.on('close', () => {
        this.closed = true;
        resolve(this.answered ?? parseAnswer(this.text));
      });
    });
  }

  write(s: string): void {
    if (!this.socket.destroyed) this.socket.write(s);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** One request on its own connection; resolves with the answer. */
export function rawRequest(url: string, text: string): Promise<RawAnswer | undefined> {
  const c = new RawConnection(url, text);
  return c.answer.finally(() => c.destroy());
}

/** Request head for `method path` with a bearer token and a JSON body of `contentLength` bytes still to come. */
export function uploadHead(url: string, method: string, path: string, token: string, contentLength: number): string {
  const u = new URL(url);
  return `${method} ${path} HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n`;
}
