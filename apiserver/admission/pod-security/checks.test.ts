import { describe, expect, it } from 'vitest';
import type { PodSpec } from '../../../api/types.js';
import { checkPodSpec, describeViolations, isEngineSocket } from './checks.js';
import { checkNamespaceLabels, levelOf, DEFAULT_POD_SECURITY } from './admission.js';

const opts = { allowedHostPaths: ['/srv/data'] };
const spec = (over: Record<string, unknown> = {}, c: Record<string, unknown> = {}): PodSpec => ({ containers: [{ name: 'c', image: 'i', ...c }], ...over }) as unknown as PodSpec;
const text = (s: PodSpec, level: 'baseline' | 'restricted') => describeViolations(checkPodSpec(s, level, opts));

describe('baseline', () => {
  it('an ordinary pod passes', () => expect(checkPodSpec(spec(), 'baseline', opts)).toEqual([]));
  it('names each violation in Kubernetes\' words', () => {
    expect(text(spec({ hostNetwork: true, hostPID: true }), 'baseline')).toBe('host namespaces (hostNetwork=true, hostPID=true)');
    expect(text(spec({}, { securityContext: { privileged: true } }), 'baseline')).toBe('privileged (container "c" must not set securityContext.privileged=true)');
    expect(text(spec({}, { securityContext: { capabilities: { add: ['NET_ADMIN', 'CHOWN'] } } }), 'baseline')).toBe('non-default capabilities (container "c" must not include "NET_ADMIN" in securityContext.capabilities.add)');
    expect(text(spec({}, { ports: [{ containerPort: 80, hostPort: 8080 }] }), 'baseline')).toBe('hostPort (container "c" uses hostPort 8080)');
    expect(text(spec({ securityContext: { seccompProfile: { type: 'Unconfined' } } }), 'baseline')).toBe('seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")');
    expect(text(spec({}, { securityContext: { procMount: 'Unmasked' } }), 'baseline')).toBe('procMount (container "c" must not set securityContext.procMount to "Unmasked")');
    expect(text(spec({ securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }, { name: 'net.ipv4.tcp_syncookies', value: '1' }] } }), 'baseline')).toBe('forbidden sysctls (kernel.msgmax)');
  });
  it('hostPath: only under the allowed prefixes, never the Docker socket or a directory holding it', () => {
    const hp = (path: string) => spec({ volumes: [{ name: 'h', hostPath: { path } }] });
    expect(checkPodSpec(hp('/srv/data/x'), 'baseline', opts)).toEqual([]);
    expect(text(hp('/srv/database'), 'baseline')).toBe('hostPath volumes (volume "h")');
    expect(text(hp('/etc'), 'baseline')).toBe('hostPath volumes (volume "h")');
    for (const p of ['/var/run/docker.sock', '/run', '/var/run/', '/', '/srv/data/../../var/run']) expect(checkPodSpec(hp(p), 'baseline', { allowedHostPaths: ['/'] }), p).toHaveLength(1);
    expect(isEngineSocket('/srv/data')).toBe(false);
  });
  it('privileged allows anything', () => expect(checkPodSpec(spec({ hostNetwork: true }, { securityContext: { privileged: true } }), 'privileged', opts)).toEqual([]));
});

describe('restricted', () => {
  const good = { securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } };
  it('a hardened pod passes', () => expect(checkPodSpec(spec({}, good), 'restricted', opts)).toEqual([]));
  it('pod-level runAsNonRoot and seccomp cover the containers', () => {
    const s = spec({ securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } }, { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } });
    expect(checkPodSpec(s, 'restricted', opts)).toEqual([]);
  });
  it('an ordinary pod violates four checks', () => {
    expect(text(spec(), 'restricted')).toBe(
      'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"])',
    );
  });
  it('volume types and runAsUser=0', () => {
    const s = spec({ volumes: [{ name: 'h', hostPath: { path: '/srv/data' } }] }, { securityContext: { ...good.securityContext, runAsUser: 0 } });
    expect(text(s, 'restricted')).toBe('restricted volume types (volume "h" uses restricted volume type "hostPath"), runAsUser=0 (container "c" must not set runAsUser=0)');
  });
});

describe('namespace labels', () => {
  it('levels and versions', () => {
    expect(checkNamespaceLabels({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.32' })).toEqual([]);
    expect(checkNamespaceLabels({ 'pod-security.kubernetes.io/warn': 'strict', 'pod-security.kubernetes.io/audit-version': '1.2' }).map((c) => c.field)).toEqual([
      'metadata.labels[pod-security.kubernetes.io/warn]',
      'metadata.labels[pod-security.kubernetes.io/audit-version]',
    ]);
  });
  it('defaults: enforce from the config, warn/audit from enforce; a bad stored value is restricted', () => {
    const ns = (labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels } });
    expect(levelOf(ns({}), 'enforce', DEFAULT_POD_SECURITY)).toBe('baseline');
    expect(levelOf(ns({ 'pod-security.kubernetes.io/enforce': 'privileged' }), 'warn', DEFAULT_POD_SECURITY)).toBe('privileged');
    expect(levelOf(ns({ 'pod-security.kubernetes.io/enforce': 'bogus' }), 'enforce', DEFAULT_POD_SECURITY)).toBe('restricted');
  });
});
