import { describe, expect, it } from 'vitest';
import { proxyCleanupCommands } from './local-proxies.js';
import type { ClusterState } from './cluster-state.js';

const state = (components: { name: string; command: string[] }[]): ClusterState =>
  ({ server: 'https://127.0.0.1:6443', apiPort: 6443, etcdEndpoint: 'http://127.0.0.1:2379', nodes: ['n1', 'n2'], startedAt: '', components: components.map((c) => ({ ...c, log: `/tmp/${c.name}.log` })) }) as ClusterState;

describe('proxyCleanupCommands', () => {
  it('turns each recorded proxy into its --cleanup form for the given cluster, without the health port', () => {
    const s = state([
      { name: 'agent-n1', command: ['node', 'main.js', 'agent', '--node-name', 'n1', '--port', '1'] },
      { name: 'proxy-n1', command: ['node', 'main.js', 'proxy', '--server', 'https://x', '--token-file', 't1', '--node-name', 'n1', '--port', '40001'] },
      { name: 'proxy-n2', command: ['node', 'main.js', 'proxy', '--server', 'https://x', '--token-file', 't2', '--node-name', 'n2', '--port', '40002'] },
    ]);
    expect(proxyCleanupCommands(s, 'uid-1')).toEqual([
      { node: 'n1', command: ['node', 'main.js', 'proxy', '--server', 'https://x', '--token-file', 't1', '--node-name', 'n1', '--cleanup', '--cluster-uid', 'uid-1'] },
      { node: 'n2', command: ['node', 'main.js', 'proxy', '--server', 'https://x', '--token-file', 't2', '--node-name', 'n2', '--cleanup', '--cluster-uid', 'uid-1'] },
    ]);
  });

  it('finds none in a cluster recorded before there were proxies', () => {
    expect(proxyCleanupCommands(state([{ name: 'agent-n1', command: ['node', 'main.js', 'agent'] }]), 'u')).toEqual([]);
  });
});
