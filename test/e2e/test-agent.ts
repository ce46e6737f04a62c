// One real agent for an e2e test: the node's own credentials against a test apiserver, the
// machine's Docker engine, a throw-away root directory, fast heartbeats and resyncs, its
// log/exec endpoint on a free loopback port without TLS. `stop()` undoes all of it: the
// agent, every container labelled with its node, the root directory (with its mounts).
// Tests pass only what they are about in `options` (e.g. projectedRefreshMs).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, type AgentOptions } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { ApiClient } from '../../client/rest-client.js';
import { createLogger } from '../../foundation/logger.js';
import type { TestApiServer } from '../helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { removeAgentDir, removeContainersWith } from './agent-helpers.js';

export interface TestAgent {
  agent: Agent;
  /** The agent's root directory (pod volumes live below it). */
  root: string;
  stop(): Promise<void>;
}

export async function startTestAgent(api: TestApiServer, nodeName: string, options: Partial<AgentOptions> = {}): Promise<TestAgent> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `orch-agent-${nodeName}-`));
  const logger = createLogger(`agent-${nodeName}`, process.env.ORCH_TEST_LOG ?? 'silent');
  const token = api.nodeTokens[nodeName];
  if (!token) throw new Error(`startTestAgent: the test apiserver has no token for node ${nodeName} (pass it in nodeNames)`);
  const agent = new Agent({
    podInfraContainerImage: TEST_PAUSE_IMAGE,
    nodeName,
    client: new ApiClient({ server: api.url, token, ca: api.ca }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: root,
    heartbeatIntervalMs: 1000,
    resyncIntervalMs: 500,
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
    ...options,
  });
  const stop = async () => {
    await agent.stop().catch(() => undefined);
    removeContainersWith({ 'orch.io/node': nodeName });
    removeAgentDir(root);
  };
  try {
    await agent.start();
    await agent.waitForSync();
  } catch (err) {
    await stop();
    throw err;
  }
  return { agent, root, stop };
}
