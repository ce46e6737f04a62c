// The harness itself: a one-host cluster comes up with the host in its own namespace
// and engine, a cut host really cannot reach the apiserver while its engine keeps
// answering, and teardown leaves nothing behind.

import fs from 'node:fs';
import net from 'node:net';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startCluster, type Cluster } from './harness.js';
import { hostIP, netnsPath, netnsName, networkExists } from './network.js';
import { DATA_DIR, RUN_DIR, isAlive } from './procs.js';
import { exec } from './sh.js';

// Ports handed out before the real free ones, to make a start meet a taken port.
const forcedPorts = vi.hoisted(() => [] as number[]);
vi.mock('../helpers/ports.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../helpers/ports.js')>();
  return { freePort: async () => forcedPorts.shift() ?? real.freePort() };
});

// Can host 1 open a TCP connection to the apiserver? (node inside the namespace)
async function hostReachesApi(cluster: Cluster): Promise<boolean> {
  const url = new URL(cluster.server);
  const script = `const s=require('net').connect(${url.port},'${url.hostname}');s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(2),3000)`;
  return (await exec('nsenter', [`--net=${netnsPath(1)}`, process.execPath, '-e', script])).code === 0;
}

describe('cluster harness', () => {
  let cluster: Cluster | undefined;
  afterAll(async () => {
    await cluster?.teardown();
  });

  it('builds a host in its own namespace, cuts and heals it, and tears down completely', async () => {
    cluster = await startCluster({ hosts: 1 });
    expect(await cluster.readyNodes()).toEqual(['h1']);
    const addr = await exec('ip', ['-n', netnsName(1), '-4', 'addr', 'show', 'eth0']);
    expect(addr.stdout).toContain(hostIP(1));
    expect(await cluster.dockerPs(1)).toEqual([]);
    const node = await cluster.client.nodes.get('h1');
    expect(node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address).toBe(hostIP(1));

    expect(await hostReachesApi(cluster)).toBe(true);
    await cluster.cutNetwork(1);
    expect(await hostReachesApi(cluster)).toBe(false);
    expect(await cluster.engineUp(1), 'a cut host keeps its engine').toBe(true);
    await cluster.healNetwork(1);
    expect(await hostReachesApi(cluster)).toBe(true);

    const pids = ['etcd', 'apiserver', 'scheduler', 'controller-manager', 'agent-h1'].map((c) => cluster!.pid(c as never));
    expect(pids.every((p) => p !== undefined)).toBe(true);
    await cluster.teardown();
    cluster = undefined;
    expect(pids.filter((p) => isAlive(p!))).toEqual([]);
    expect(fs.existsSync(netnsPath(1))).toBe(false);
    expect(networkExists(), 'the bridge namespace is gone').toBe(false);
    expect(fs.existsSync(DATA_DIR)).toBe(false);
    expect(fs.existsSync(RUN_DIR)).toBe(false);
  });

  it('moves etcd to new ports when its port was taken between picking and binding', async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    forcedPorts.push((squatter.address() as net.AddressInfo).port); // etcd's client port
    try {
      cluster = await startCluster({ hosts: 1 });
      expect(forcedPorts).toEqual([]);
      expect(await cluster.readyNodes()).toEqual(['h1']);
    } finally {
      squatter.close();
      await cluster?.teardown();
      cluster = undefined;
    }
  });
});
