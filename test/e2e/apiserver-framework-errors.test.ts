// Errors raised by the HTTP layer itself, before any route runs, are Kubernetes Status
// objects too, with the right code and reason: a path that does not decode, a request
// that does not arrive in time, headers too large, HTTP that does not parse. Raw
// sockets, since a client library would refuse to send most of these.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { RawConnection, rawRequest, type RawAnswer } from '../helpers/raw-http.js';

let s: TestApiServer;
beforeAll(async () => {
  s = await startTestApiServer({ server: { requestTimeoutMs: 1000 } });
});
afterAll(async () => {
  await s?.stop();
});

const get = (path: string, extra = '') => rawRequest(s.url, `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.token}\r\n${extra}Connection: close\r\n\r\n`);

function expectStatus(a: RawAnswer | undefined, code: number, reason: string, message: RegExp): void {
  expect(a?.status).toBe(code);
  expect(a?.headers['content-type']).toMatch(/^application\/json/);
  expect(a?.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason, code, message: expect.stringMatching(message) });
}

describe('framework errors are Status objects', () => {
  test('a malformed percent-encoding in the path: 400 BadRequest', async () => {
    expectStatus(await get('/api/v1/namespaces/%zz/pods'), 400, 'BadRequest', /malformed URL/);
    // Also without a token: the path is refused before anything else.
    expectStatus(await rawRequest(s.url, 'GET /api/v1/namespaces/%E0%A4%A/pods HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 400, 'BadRequest', /malformed URL/);
  });

  test('headers larger than node accepts: 431', async () => {
    expectStatus(await get('/api/v1/namespaces/default/pods', `X-Big: ${'b'.repeat(20_000)}\r\n`), 431, 'BadRequest', /headers are too large/);
  });

  test('a request line that is not HTTP: 400', async () => {
    expectStatus(await rawRequest(s.url, 'HELLO WORLD\r\n\r\n'), 400, 'BadRequest', /malformed HTTP request/);
  });

  test('a request whose headers do not arrive within the request timeout: 408 Timeout', async () => {
    const c = new RawConnection(s.url, 'GET /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\n');
    try {
      expectStatus(await c.answer, 408, 'Timeout', /not received within 1 s/);
      expect(c.answered?.headers.connection).toBe('close');
    } finally {
      c.destroy();
    }
  });
});
