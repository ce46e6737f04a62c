// An apiserver process over a given etcd with one admin bearer token (system:masters),
// and a BenchHttp client holding that token: what the write benchmarks (crd, webhooks)
// start before their rounds. Everything started is registered for the bench's cleanup.

import path from 'node:path';
import { generateToken, writeTokenFile } from '../../foundation/token-file.js';
import { startApiServerPreferCli, type ApiServerProcess } from './apiserver-process.js';
import { BenchHttp } from './http.js';
import type { BenchContext } from './types.js';

export async function startAdminApiserver(ctx: BenchContext, etcdEndpoint: string, maxSockets: number): Promise<{ api: ApiServerProcess; http: BenchHttp }> {
  const token = generateToken();
  const tokenFile = path.join(ctx.workDir, 'tokens.csv');
  writeTokenFile(tokenFile, [{ token, user: 'admin', uid: 'admin', groups: ['system:masters'] }]);
  const api = await startApiServerPreferCli({ etcdEndpoint, workDir: ctx.workDir, tokenAuthFile: tokenFile, extraArgs: [] }, ctx.say);
  ctx.cleanup.add('apiserver', () => api.stop());
  const http = new BenchHttp({ baseUrl: api.url, token, maxSockets });
  ctx.cleanup.add('http', () => http.close());
  return { api, http };
}
