// The Pod Security Standards' checks (baseline and restricted, "latest"), pure, over one
// PodSpec. Written here rather than taken from a library: the wording of each violation
// is Kubernetes' own (k8s.io/pod-security-admission/policy, check_*.go), because users
// and tools match on it:
//   host namespaces (hostNetwork=true)
//   privileged (container "c" must not set securityContext.privileged=true)
// orch differences: hostPath volumes are allowed at baseline under the apiserver's
// --pod-security-allowed-host-paths prefixes (never the Docker socket); every other
// hostPath is a baseline violation, as upstream.

import type { Container, PodSecurityContext, PodSpec, SecurityContext } from '../../../api/types.js';

export type Level = 'privileged' | 'baseline' | 'restricted';
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

export interface Violation {
  /** The check's short name, what Kubernetes puts before the parentheses. */
  reason: string;
  detail: string;
}

export interface CheckOptions {
  /** hostPath prefixes baseline allows. */
  allowedHostPaths: readonly string[];
}

/** Paths a pod may never mount (nor a directory above them), whatever the allowed prefixes say: the engine's socket is root on the node. */
const ENGINE_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock', '/var/run/docker', '/run/docker', '/run/containerd/containerd.sock', '/var/run/containerd/containerd.sock'];

const BASELINE_CAPS = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
]);
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

interface Named {
  c: Container;
  sc: SecurityContext;
}

const quoted = (xs: readonly string[]) => xs.map((x) => JSON.stringify(x)).join(', ');
/** `container "a"` / `containers "a", "b"`, as Kubernetes pluralises. */
const containersPhrase = (names: readonly string[]) => `${names.length === 1 ? 'container' : 'containers'} ${quoted(names)}`;
const capName = (c: string) => c.toUpperCase().replace(/^CAP_/, '');

function allContainers(spec: PodSpec): Named[] {
  const list = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  return list.filter((c) => c && typeof c === 'object').map((c) => ({ c, sc: (c.securityContext ?? {}) as SecurityContext }));
}

function underPrefix(path: string, prefixes: readonly string[]): boolean {
  const norm = path.replace(/\/+$/, '') || '/';
  if (!path.startsWith('/') || path.split('/').includes('..')) return false;
  return prefixes.some((pre) => {
    const base = pre.replace(/\/+$/, '');
    return base !== '' && (norm === base || norm.startsWith(`${base}/`));
  });
}

/** The path is an engine socket, or a directory holding one (/, /var, /run, ...), or any *.sock of docker/containerd. */
export function isEngineSocket(path: string): boolean {
  const norm = path.replace(/\/+$/, '');
  if (norm === '') return true;
  return ENGINE_SOCKETS.some((s) => s === norm || s.startsWith(`${norm}/`)) || /(docker|containerd)\.sock$/.test(norm);
}

function baseline(spec: PodSpec, opts: CheckOptions, out: Violation[]): void {
  const psc = (spec.securityContext ?? {}) as PodSecurityContext;
  const cs = allContainers(spec);
  const hostNs = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => spec[k] === true).map((k) => `${k}=true`);
  if (hostNs.length) out.push({ reason: 'host namespaces', detail: hostNs.join(', ') });
  const priv = cs.filter((x) => x.sc.privileged === true).map((x) => x.c.name);
  if (priv.length) out.push({ reason: 'privileged', detail: `${containersPhrase(priv)} must not set securityContext.privileged=true` });
  const caps: string[] = [];
  for (const x of cs) {
    const bad = (x.sc.capabilities?.add ?? []).filter((cap) => typeof cap !== 'string' || !BASELINE_CAPS.has(capName(cap)));
    if (bad.length) caps.push(`container ${JSON.stringify(x.c.name)} must not include ${quoted(bad.map(String))} in securityContext.capabilities.add`);
  }
  if (caps.length) out.push({ reason: 'non-default capabilities', detail: caps.join('; ') });
  const hostPaths = (spec.volumes ?? []).filter((v) => v?.hostPath && (isEngineSocket(String(v.hostPath.path)) || !underPrefix(String(v.hostPath.path), opts.allowedHostPaths))).map((v) => v.name);
  if (hostPaths.length) out.push({ reason: 'hostPath volumes', detail: `${hostPaths.length === 1 ? 'volume' : 'volumes'} ${quoted(hostPaths)}` });
  const ports: string[] = [];
  for (const x of cs) {
    const hp = (x.c.ports ?? []).map((p) => p?.hostPort).filter((p): p is number => typeof p === 'number' && p !== 0);
    if (hp.length) ports.push(`container ${JSON.stringify(x.c.name)} uses ${hp.length === 1 ? 'hostPort' : 'hostPorts'} ${hp.join(', ')}`);
  }
  if (ports.length) out.push({ reason: 'hostPort', detail: ports.join('; ') });
  const appArmor = [psc.appArmorProfile, ...cs.map((x) => x.sc.appArmorProfile)].filter((p) => p && p.type !== 'RuntimeDefault' && p.type !== 'Localhost');
  if (appArmor.length) out.push({ reason: 'forbidden AppArmor profile', detail: appArmor.map((p) => JSON.stringify(p!.type)).join(', ') });
  const proc = cs.filter((x) => x.sc.procMount !== undefined && x.sc.procMount !== 'Default');
  if (proc.length) out.push({ reason: 'procMount', detail: proc.map((x) => `container ${JSON.stringify(x.c.name)} must not set securityContext.procMount to ${JSON.stringify(x.sc.procMount)}`).join('; ') });
  const unconfined: string[] = [];
  if (psc.seccompProfile?.type === 'Unconfined') unconfined.push('pod must not set securityContext.seccompProfile.type to "Unconfined"');
  const uc = cs.filter((x) => x.sc.seccompProfile?.type === 'Unconfined').map((x) => x.c.name);
  if (uc.length) unconfined.push(`${containersPhrase(uc)} must not set securityContext.seccompProfile.type to "Unconfined"`);
  if (unconfined.length) out.push({ reason: 'seccompProfile', detail: unconfined.join('; ') });
  const sysctls = (psc.sysctls ?? []).map((s) => s?.name).filter((n) => !SAFE_SYSCTLS.has(String(n)));
  if (sysctls.length) out.push({ reason: 'forbidden sysctls', detail: sysctls.map(String).join(', ') });
}

function restricted(spec: PodSpec, out: Violation[]): void {
  const psc = (spec.securityContext ?? {}) as PodSecurityContext;
  const cs = allContainers(spec);
  const vols = (spec.volumes ?? []).flatMap((v) => {
    const type = Object.keys(v ?? {}).find((k) => k !== 'name' && (v as unknown as Record<string, unknown>)[k] != null);
    return type && !RESTRICTED_VOLUMES.has(type) ? [`volume ${JSON.stringify(v.name)} uses restricted volume type ${JSON.stringify(type)}`] : [];
  });
  if (vols.length) out.push({ reason: 'restricted volume types', detail: vols.join(', ') });
  const esc = cs.filter((x) => x.sc.allowPrivilegeEscalation !== false).map((x) => x.c.name);
  if (esc.length) out.push({ reason: 'allowPrivilegeEscalation != false', detail: `${containersPhrase(esc)} must set securityContext.allowPrivilegeEscalation=false` });
  // runAsNonRoot: the pod's true covers containers that do not say false.
  const podNonRoot = psc.runAsNonRoot === true;
  const notNonRoot = cs.filter((x) => x.sc.runAsNonRoot === false || (x.sc.runAsNonRoot !== true && !podNonRoot)).map((x) => x.c.name);
  if (psc.runAsNonRoot === false) out.push({ reason: 'runAsNonRoot != true', detail: 'pod must not set securityContext.runAsNonRoot=false' });
  else if (notNonRoot.length) out.push({ reason: 'runAsNonRoot != true', detail: `pod or ${containersPhrase(notNonRoot)} must set securityContext.runAsNonRoot=true` });
  const root: string[] = [];
  if (psc.runAsUser === 0) root.push('pod must not set runAsUser=0');
  const rc = cs.filter((x) => x.sc.runAsUser === 0).map((x) => x.c.name);
  if (rc.length) root.push(`${containersPhrase(rc)} must not set runAsUser=0`);
  if (root.length) out.push({ reason: 'runAsUser=0', detail: root.join('; ') });
  const okSeccomp = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';
  const podSeccomp = okSeccomp(psc.seccompProfile?.type);
  const noSeccomp = cs.filter((x) => !okSeccomp(x.sc.seccompProfile?.type) && !(x.sc.seccompProfile === undefined && podSeccomp)).map((x) => x.c.name);
  if (noSeccomp.length) out.push({ reason: 'seccompProfile', detail: `pod or ${containersPhrase(noSeccomp)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` });
  const caps: string[] = [];
  const noDrop = cs.filter((x) => !(x.sc.capabilities?.drop ?? []).some((d) => typeof d === 'string' && capName(d) === 'ALL')).map((x) => x.c.name);
  if (noDrop.length) caps.push(`${containersPhrase(noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
  for (const x of cs) {
    const bad = (x.sc.capabilities?.add ?? []).filter((cap) => typeof cap !== 'string' || capName(cap) !== 'NET_BIND_SERVICE');
    if (bad.length) caps.push(`container ${JSON.stringify(x.c.name)} must not include ${quoted(bad.map(String))} in securityContext.capabilities.add`);
  }
  if (caps.length) out.push({ reason: 'unrestricted capabilities', detail: caps.join('; ') });
}

/** What `spec` does that `level` forbids (empty: allowed). */
export function checkPodSpec(spec: PodSpec | undefined, level: Level, opts: CheckOptions): Violation[] {
  const out: Violation[] = [];
  if (level === 'privileged' || !spec || typeof spec !== 'object') return out;
  baseline(spec, opts, out);
  if (level === 'restricted') restricted(spec, out);
  return out;
}

/** Kubernetes' text: `host namespaces (hostNetwork=true), privileged (container "c" must not ...)`. */
export function describeViolations(vs: readonly Violation[]): string {
  return vs.map((v) => `${v.reason} (${v.detail})`).join(', ');
}
