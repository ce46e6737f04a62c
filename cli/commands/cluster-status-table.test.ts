import { expect, test } from 'vitest';
import type { ClusterView } from '../up/cluster-state.js';
import { componentTable } from './cluster-status-table.js';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);
const ago = (s: number) => new Date(now - s * 1000).toISOString();
const spec = (name: string) => ({ name, command: [name], log: `/l/${name}.log` });

function view(supervisorAlive: boolean): ClusterView {
  return {
    state: { server: 'https://127.0.0.1:6443', apiPort: 6443, etcdEndpoint: 'http://127.0.0.1:23790', nodes: ['n'], startedAt: ago(3600), components: ['etcd', 'scheduler', 'agent-n', 'controller-manager'].map(spec) },
    supervisor: { pid: 10, startedAt: ago(3600), components: [] },
    supervisorPid: 10,
    supervisorAlive,
    components: [
      { spec: spec('etcd'), pid: 11, alive: true, status: { name: 'etcd', state: 'running', pid: 11, startedAt: ago(3600), restarts: 0 } },
      {
        spec: spec('scheduler'),
        pid: 12,
        alive: true,
        status: { name: 'scheduler', state: 'running', pid: 12, startedAt: ago(41), restarts: 1, lastExit: { code: null, signal: 'SIGKILL', at: ago(42), ranForMs: 5000 } },
      },
      {
        spec: spec('agent-n'),
        alive: false,
        status: { name: 'agent-n', state: 'backoff', restarts: 3, nextRestartAt: new Date(now + 7500).toISOString(), lastExit: { code: 1, signal: null, at: ago(1), ranForMs: 300 } },
      },
      { spec: spec('controller-manager'), alive: false },
    ],
  };
}

test('one aligned row per component: pid, state, uptime, restarts, last exit', () => {
  expect(componentTable(view(true), now)).toBe(
    [
      'COMPONENT            PID   STATE              UPTIME   RESTARTS   LAST EXIT',
      'supervisor           10    running            60m      -          -',
      'etcd                 11    running            60m      0          -',
      'scheduler            12    running            41s      1          signal SIGKILL, 42s ago',
      'agent-n              -     restarting in 8s   -        3          exit code 1, 1s ago',
      'controller-manager   -     pending            -        0          -',
    ].join('\n'),
  );
});

test('without the supervisor: it is gone, and components show what the process table says', () => {
  const lines = componentTable(view(false), now).split('\n');
  expect(lines[1]).toMatch(/^supervisor\s+10\s+gone\s+-/);
  expect(lines[3]).toMatch(/^scheduler\s+12\s+running\s+41s/);
  expect(lines[4]).toMatch(/^agent-n\s+-\s+exited\s+-\s+3/);
});
