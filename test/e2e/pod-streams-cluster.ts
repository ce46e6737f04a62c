// A one-node cluster for the pod stream e2e tests (exec, attach, cp, run -i): a real
// apiserver over etcd, a real scheduler, and a real agent in this process running real
// Docker containers, its endpoint reached by the apiserver with a token over plain HTTP.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pod } from '../../api/types.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { ApiClient } from '../../client/rest-client.js';
import { createLogger } from '../../foundation/logger.js';
import { tokenAuthenticator } from '../../foundation/token-auth.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { removeAgentDir, removeContainersWith, waitFor } from './agent-helpers.js';

export interface StreamsCluster {
  node: string;
  api: TestApiServer;
  admin: ApiClient;
  cli: Clients;
  /** A temp dir the test owns (removed at stop). */
  root: string;
  /** Creates the pod and waits until all its containers run. */
  runningPod(p: Pod): Promise<Pod>;
  stop(): Promise<void>;
}

export async function startStreamsCluster(prefix: string): Promise<StreamsCluster> {
  const node = `${prefix}-${crypto.randomBytes(3).toString('hex')}`;
  const agentToken = crypto.randomBytes(16).toString('hex');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const api = await startTestApiServer({ nodeNames: [node], tls: true, server: { agentClient: { token: agentToken, insecureHttp: true } } });
  const admin = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  const logger = createLogger('agent', process.env.ORCH_TEST_LOG ?? 'silent');
  const agent = new Agent({
    nodeName: node,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[node], ca: api.ca }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: path.join(root, 'agent'),
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
    logTokens: tokenAuthenticator([{ token: agentToken, user: 'orch:apiserver', uid: '', groups: [] }]),
    podInfraContainerImage: TEST_PAUSE_IMAGE,
  });
  await agent.start();
  await agent.waitForSync();
  // kubectl run / orch run make pods without a node: a real scheduler places them.
  const stopScheduler = new AbortController();
  const scheduling = new Scheduler({ client: admin, recordScheduledEvents: false }).run(stopScheduler.signal);
  return {
    node,
    api,
    admin,
    cli: cliClients(api, root),
    root,
    runningPod: async (p) => {
      await admin.pods.create(p);
      return waitFor(`pod ${p.metadata.name} running`, async () => {
        const cur = await admin.pods.get(p.metadata.name!, 'default');
        return cur.status?.phase === 'Running' && cur.status.containerStatuses?.every((c) => c.state?.running) ? cur : undefined;
      }, 60_000);
    },
    stop: async () => {
      stopScheduler.abort();
      await scheduling;
      await agent.stop().catch(() => undefined);
      removeContainersWith({ 'orch.io/node': node });
      await api.stop();
      removeAgentDir(root);
    },
  };
}
