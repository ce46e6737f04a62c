// A minimal keep-alive HTTP client for benchmarks. Deliberately not client/rest-client:
// the bench measures the server, so the client side must add as little as possible
// (no typed decoding, no retries) and its connection count must be exactly what the
// scenario says (16 clients = 16 sockets).

import http from 'node:http';

export interface BenchHttpOptions {
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  token?: string;
  /** Sockets kept open (one per concurrent client). */
  maxSockets: number;
}

export interface HttpResult {
  status: number;
  body: string;
}

export class BenchHttp {
  readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(private readonly opts: BenchHttpOptions) {
    const u = new URL(opts.baseUrl);
    if (u.protocol !== 'http:') throw new Error(`bench client speaks plain HTTP only, got ${opts.baseUrl}`);
    this.host = u.hostname;
    this.port = Number(u.port || 80);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets, maxFreeSockets: opts.maxSockets });
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json', ...extra };
    if (this.opts.token) h.authorization = `Bearer ${this.opts.token}`;
    return h;
  }

  request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<HttpResult> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.host,
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: this.headers(payload === undefined ? {} : { 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)) }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** request() that insists on one of the expected status codes. */
  async expect(method: string, path: string, expected: number[], body?: unknown, contentType?: string): Promise<HttpResult> {
    const r = await this.request(method, path, body, contentType);
    if (!expected.includes(r.status)) throw new Error(`${method} ${path}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
    return r;
  }

  /**
   * Open a watch (NDJSON over chunked HTTP) on its own connection and call onLine for
   * every complete line, with the time it arrived. Resolves once the response headers
   * are in, so callers know the watch is established before they start writing.
   */
  watch(path: string, onLine: (line: string, receivedAt: number) => void): Promise<{ close(): void; ended: Promise<void> }> {
    return new Promise((resolve, reject) => {
      // agent:false: a watch holds its socket for minutes; it must not take one of the
      // pool's sockets or be limited by maxSockets.
      const req = http.request({ host: this.host, port: this.port, method: 'GET', path, agent: false, headers: this.headers() }, (res) => {
        if (res.statusCode !== 200) {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString('utf8')));
          res.on('end', () => reject(new Error(`watch ${path}: HTTP ${res.statusCode}: ${body.slice(0, 300)}`)));
          return;
        }
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const now = performance.now();
          // One pass over the chunk: slicing the remainder after every line would copy
          // a 64 KiB chunk dozens of times and make the client, not the server, the
          // bottleneck of a 100-watcher run.
          const text = pending.length > 0 ? pending + chunk : chunk;
          let start = 0;
          let nl: number;
          while ((nl = text.indexOf('\n', start)) >= 0) {
            if (nl > start) onLine(text.slice(start, nl), now);
            start = nl + 1;
          }
          pending = start < text.length ? text.slice(start) : '';
        });
        const ended = new Promise<void>((r) => {
          res.on('end', () => r());
          res.on('close', () => r());
          res.on('error', () => r());
        });
        resolve({ close: () => req.destroy(), ended });
      });
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
