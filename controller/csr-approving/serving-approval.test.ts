// The auto-approval rule for agents' serving certificate requests (serving-approval.ts),
// over real PKCS#10 requests made the way the agent makes them.

import { describe, expect, it } from 'vitest';
import type { CertificateSigningRequest, Node } from '../../api/types.js';
import { createNodeCsr, newPrivateKeyPem, parseCsr } from '../../foundation/pki-csr.js';
import { nodeServingProblem } from '../shared/csr.js';
import { servingApprovalProblem } from './serving-approval.js';

const KEY = newPrivateKeyPem();
const USAGES = ['digital signature', 'key encipherment', 'server auth'];

const node: Node = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1' },
  status: { addresses: [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'Hostname', address: 'host-1' }, { type: 'InternalIP', address: 'fd00::5' }] },
} as Node;

function request(o: { sans?: { dnsNames?: string[]; ipAddresses?: string[] }; cn?: string; username?: string; groups?: string[]; usages?: string[]; signer?: string } = {}) {
  const pem = createNodeCsr(KEY, o.cn ?? 'n1', o.sans ?? { dnsNames: ['n1', 'host-1'], ipAddresses: ['10.0.0.5'] });
  const csr = {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'csr-1' },
    spec: {
      request: Buffer.from(pem).toString('base64'),
      signerName: o.signer ?? 'kubernetes.io/kubelet-serving',
      usages: o.usages ?? USAGES,
      username: o.username ?? 'system:node:n1',
      groups: o.groups ?? ['system:nodes', 'system:authenticated'],
    },
  } as CertificateSigningRequest;
  return { csr, x: parseCsr(pem) };
}

const problem = (o: Parameters<typeof request>[0], n: Node | 'no node' = node) => {
  const { csr, x } = request(o);
  return servingApprovalProblem(csr, x, n === 'no node' ? undefined : n);
};

describe('serving certificate approval', () => {
  it('approves the node asking for its own name and status.addresses, usages in any order', () => {
    expect(problem({})).toBeUndefined();
    expect(problem({ usages: ['server auth', 'key encipherment', 'digital signature'] })).toBeUndefined();
    expect(problem({ sans: { ipAddresses: ['fd00:0:0:0:0:0:0:5'] } })).toBeUndefined();
    expect(problem({ sans: { dnsNames: ['HOST-1'] } })).toBeUndefined();
  });

  it('leaves a name or address the Node does not have pending, naming it', () => {
    expect(problem({ sans: { dnsNames: ['n1', 'apiserver.example'] } })).toMatch(/DNS:apiserver\.example is neither the node's name nor one of its status\.addresses/);
    expect(problem({ sans: { dnsNames: ['n1'], ipAddresses: ['10.0.0.6', '127.0.0.1'] } })).toMatch(/IP:10\.0\.0\.6, IP:127\.0\.0\.1 are neither/);
    // Another node's name.
    expect(problem({ sans: { dnsNames: ['n2'] } })).toMatch(/DNS:n2/);
  });

  it('leaves requests by anyone but the node itself pending', () => {
    expect(problem({ username: 'system:node:n2' })).toMatch(/requested by "system:node:n2", not by the node "system:node:n1"/);
    expect(problem({ username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers'] })).toMatch(/requested by "system:bootstrap:abcdef"/);
    expect(problem({ groups: ['system:authenticated'] })).toMatch(/not in the group system:nodes/);
  });

  it('wants exactly the serving usages', () => {
    expect(problem({ usages: ['digital signature', 'server auth'] })).toMatch(/usages must be exactly/);
    expect(problem({ usages: [...USAGES, 'client auth'] })).toMatch(/usages must include "server auth" and be among/);
    expect(problem({ usages: ['digital signature', 'key encipherment'] })).toMatch(/must include "server auth"/);
  });

  it('waits for the Node; refuses requests without names or for another signer', () => {
    expect(problem({}, 'no node')).toMatch(/node "n1" does not exist/);
    expect(problem({ sans: {} })).toMatch(/at least one DNS name or IP address/);
    expect(problem({ signer: 'kubernetes.io/kube-apiserver-client-kubelet' })).toMatch(/signer is/);
  });

  it('the signer accepts any subset of the serving usages with server auth (Kubernetes), the approver only the full set', () => {
    const { csr, x } = request({ usages: ['server auth', 'digital signature'] });
    expect(nodeServingProblem(csr, x)).toBeUndefined();
    expect(servingApprovalProblem(csr, x, node)).toMatch(/exactly/);
  });
});
