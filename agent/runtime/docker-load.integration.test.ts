// dockerode loads without gRPC (BuildKit) and ssh2, and still talks to the real engine.

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../foundation/logger.js';
import { DockerRuntime } from './docker-runtime.js';

const require = createRequire(import.meta.url);

describe('loadDockerode', () => {
  it('skips @grpc/grpc-js and ssh2; the runtime works against /var/run/docker.sock', async () => {
    const rt = new DockerRuntime({ logger: silentLogger() });
    await rt.ping();
    expect((await rt.info()).serverVersion).toMatch(/\d/);
    expect(Array.isArray(await rt.listContainers({ 'orch.io/node': 'no-such-node-h13' }))).toBe(true);
    const loaded = Object.keys(require.cache);
    expect(loaded.some((f) => f.includes('/node_modules/dockerode/'))).toBe(true);
    expect(loaded.filter((f) => f.includes('/node_modules/@grpc/') || f.includes('/node_modules/ssh2/') || f.includes('/node_modules/protobufjs/'))).toEqual([]);
  });
});
