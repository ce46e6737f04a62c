import { describe, expect, it } from 'vitest';
import { findResource } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import type { AuthorizerChain } from '../authorization/chain.js';
import type { ResourceRequest } from '../request-info.js';
import { signerCheck } from './certificate-signers.js';

const user = { name: 'approver', uid: '', groups: ['system:authenticated'] };
/** A chain that allows exactly the `verb signers/name` pairs given. */
const chainAllowing = (...allowed: string[]): AuthorizerChain =>
  ({
    authorize: (_u: unknown, r: ResourceRequest) =>
      r.resource.plural === 'signers' && allowed.includes(`${r.verb} ${r.name}`) ? { allowed: true } : { allowed: false, reason: 'no' },
  }) as unknown as AuthorizerChain;
const csrs = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
const req = (subresource: string): ResourceRequest => ({ type: 'resource', resource: csrs, name: 'c', subresource, verb: 'update' });
const csr = (signerName: string, status: object = {}): KubeObject => ({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'c' }, spec: { signerName }, status }) as KubeObject;
const approved = { conditions: [{ type: 'Approved', status: 'True' }] };

describe('CSR approve / sign on the signer', () => {
  it('adding Approved needs approve on the signer or on <domain>/*', () => {
    const before = csr('example.com/a');
    expect(() => signerCheck(chainAllowing(), user, req('approval'))!(before, csr('example.com/a', approved))).toThrow(/not permitted to approve requests with signerName "example.com\/a"/);
    expect(() => signerCheck(chainAllowing('approve example.com/a'), user, req('approval'))!(before, csr('example.com/a', approved))).not.toThrow();
    expect(() => signerCheck(chainAllowing('approve example.com/*'), user, req('approval'))!(before, csr('example.com/a', approved))).not.toThrow();
    expect(() => signerCheck(chainAllowing('approve other.io/*'), user, req('approval'))!(before, csr('example.com/a', approved))).toThrow();
  });

  it('an approval update that adds no condition needs nothing more', () => {
    expect(() => signerCheck(chainAllowing(), user, req('approval'))!(csr('x.io/a', approved), csr('x.io/a', approved))).not.toThrow();
  });

  it('setting status.certificate needs sign; other status writes do not', () => {
    const check = signerCheck(chainAllowing(), user, req('status'))!;
    expect(() => check(csr('x.io/a', approved), csr('x.io/a', { ...approved, certificate: 'Q0VSVA==' }))).toThrow(/not permitted to sign/);
    expect(() => check(csr('x.io/a', approved), csr('x.io/a', { ...approved, conditions: [...approved.conditions, { type: 'Failed', status: 'True' }] }))).not.toThrow();
    expect(() => signerCheck(chainAllowing('sign x.io/a'), user, req('status'))!(csr('x.io/a', approved), csr('x.io/a', { ...approved, certificate: 'Q0VSVA==' }))).not.toThrow();
  });

  it('other requests get no check', () => {
    expect(signerCheck(chainAllowing(), user, { ...req('approval'), subresource: undefined })).toBeUndefined();
  });
});
