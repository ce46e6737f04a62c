import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateAgentServingCert, generateCA, generateClientCert, generateServerCert } from './pki.js';
import { agentCertificateProblem, isApiserverClientCertificate } from './agent-tls.js';
import { bearerToken } from './bearer-token.js';

const ca = generateCA({ commonName: 'ca', validDays: 1 });
const peer = (pem: string) => new crypto.X509Certificate(pem).toLegacyObject();

describe('agent certificates', () => {
  it("accept only node NAME's serving certificate for node NAME", () => {
    const vm3 = generateAgentServingCert(ca, { nodeName: 'vm3', ipAddresses: ['10.0.0.13'] }).certPem;
    expect(agentCertificateProblem('vm3', peer(vm3))).toBeUndefined();
    expect(agentCertificateProblem('vm4', peer(vm3))).toBe('the certificate is for "system:node:vm3", not "system:node:vm4"');
    // The apiserver's serving certificate names localhost and this host, but no node.
    const api = generateServerCert(ca, { commonName: 'orch-apiserver' }).certPem;
    expect(agentCertificateProblem('localhost', peer(api))).toBe('the certificate is for "orch-apiserver", not "system:node:localhost"');
    // Right CN, wrong names (hand-made): the name check still applies.
    const odd = generateClientCert(ca, { commonName: 'system:node:vm5' }).certPem;
    expect(agentCertificateProblem('vm5', peer(odd))).toMatch(/^the certificate does not name the host vm5/);
    const byIP = generateAgentServingCert(ca, { nodeName: '10.1.2.3' }).certPem;
    expect(agentCertificateProblem('10.1.2.3', peer(byIP))).toBeUndefined();
  });

  it("recognise the apiserver's client certificate by its name", () => {
    expect(isApiserverClientCertificate(peer(generateClientCert(ca, { commonName: 'orch:apiserver-kubelet-client' }).certPem))).toBe(true);
    expect(isApiserverClientCertificate(peer(generateClientCert(ca, { commonName: 'admin' }).certPem))).toBe(false);
    expect(isApiserverClientCertificate(undefined)).toBe(false);
  });
});

describe('bearerToken', () => {
  it('takes the scheme in any case (RFC 7235), one token after spaces or tabs', () => {
    for (const h of ['Bearer abc', 'bearer abc', 'BEARER abc', 'Bearer \tabc ', ['Bearer abc', 'Bearer other']]) expect(bearerToken(h)).toBe('abc');
    for (const h of ['Basic abc', 'Bearer', 'Bearer ', 'Bearerabc', 'Bearer a b', 'Bearer\u00a0abc', undefined, '']) expect(bearerToken(h)).toBeUndefined();
  });
});
