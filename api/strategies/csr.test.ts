import { describe, expect, test } from 'vitest';
import { findResource } from '../resources.js';
import type { KubeObject } from '../types.js';
import { prepareUpdate } from './object-prep.js';
import { stampRequester } from './csr.js';

const r = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
const request = Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n').toString('base64');
const cert = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

function stored(status: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name: 'c', uid: 'u', resourceVersion: '5', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { request, signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['client auth'], username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers'] },
    status,
  };
}
const body = (o: KubeObject, patch: Partial<KubeObject>): KubeObject => ({ ...JSON.parse(JSON.stringify(o)), ...patch });

describe('CertificateSigningRequest writes', () => {
  test('/approval changes only Approved/Denied conditions and fills their times', () => {
    const cur = stored({ conditions: [{ type: 'Failed', status: 'True', reason: 'X' }] });
    const next = prepareUpdate(r, cur, body(cur, { status: { certificate: cert, conditions: [{ type: 'Approved', status: 'True', reason: 'ok' }] } }), { subresource: 'approval' });
    const st = next.status as { certificate?: string; conditions: { type: string; lastUpdateTime?: string; lastTransitionTime?: string }[] };
    expect(st.certificate).toBeUndefined();
    expect(st.conditions.map((c) => c.type)).toEqual(['Approved', 'Failed']);
    expect(st.conditions[0]!.lastUpdateTime).toMatch(/Z$/);
    expect(st.conditions[0]!.lastTransitionTime).toMatch(/Z$/);
  });

  test('/status keeps the approval conditions and takes the certificate', () => {
    const cur = stored({ conditions: [{ type: 'Approved', status: 'True', reason: 'ok', lastUpdateTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }] });
    const next = prepareUpdate(r, cur, body(cur, { status: { certificate: cert, conditions: [] } }), { subresource: 'status' });
    const st = next.status as { certificate?: string; conditions: { type: string }[] };
    expect(st.certificate).toBe(cert);
    expect(st.conditions.map((c) => c.type)).toEqual(['Approved']);
  });

  test('Approved and Denied together are a 422', () => {
    const cur = stored({ conditions: [{ type: 'Approved', status: 'True', lastUpdateTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }] });
    expect(() => prepareUpdate(r, cur, body(cur, { status: { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] } }), { subresource: 'approval' })).toThrow(
      /mutually exclusive/,
    );
  });

  test('an approval is never taken back; a denial on top of it is a 422', () => {
    const cur = stored({ conditions: [{ type: 'Approved', status: 'True', lastUpdateTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }] });
    const same = prepareUpdate(r, cur, body(cur, { status: { conditions: [] } }), { subresource: 'approval' });
    expect((same.status as { conditions: { type: string }[] }).conditions.map((c) => c.type)).toEqual(['Approved']);
    expect(() => prepareUpdate(r, cur, body(cur, { status: { conditions: [{ type: 'Denied', status: 'True' }] } }), { subresource: 'approval' })).toThrow(/mutually exclusive/);
  });

  test('the main endpoint keeps spec and status', () => {
    const cur = stored({ certificate: cert });
    const next = prepareUpdate(r, cur, body(cur, { spec: { ...(cur.spec as object), username: 'admin', signerName: 'example.com/x' }, status: {} }));
    expect((next.spec as { username: string }).username).toBe('system:bootstrap:abcdef');
    expect((next.status as { certificate: string }).certificate).toBe(cert);
  });

  test('the requester replaces whatever the body claims', () => {
    const b = { spec: { username: 'admin', groups: ['system:masters'], uid: 'x', extra: { a: ['b'] } } };
    stampRequester(b, { name: 'system:node:n1', groups: ['system:nodes'] });
    expect(b.spec).toEqual({ username: 'system:node:n1', groups: ['system:nodes'] });
  });
});
