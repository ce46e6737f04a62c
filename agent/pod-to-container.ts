// Pure translation of one pod container, or of the pod's sandbox, into a Docker create
// request (ContainerSpec).
//
// Pod networking: the pod's sandbox (a pause container, sandbox-plan.ts) owns the network
// namespace: it is attached to the node's pod network (or Docker's default bridge without
// one), every hostPort of every container of the pod is published on it, and it carries
// the pod's hostname. App containers join it with NetworkMode `container:<sandbox id>`, so
// they share one IP and localhost, and any of them can be replaced without touching the
// others; each sees the pod IP through a `status.podIP` env var. hostNetwork pods have no
// sandbox: their containers run with NetworkMode `host`.

import { cpuToMillis, parseQuantity } from '../api/quantity.js';
import { hashObject } from '../api/meta.js';
import type { ConfigMap, Container, EnvVar, Pod, Secret } from '../api/types.js';
import {
  LABEL_ATTEMPT,
  LABEL_CONTAINER,
  LABEL_HASH,
  LABEL_NAMESPACE,
  LABEL_NODE,
  LABEL_POD,
  LABEL_POD_UID,
  SANDBOX_CONTAINER,
} from './labels.js';
import type { ContainerSpec, DriverVolume, PortBinding } from './runtime/types.js';
import { nfsMountsOf, type NfsSource } from './nfs-volumes.js';
import { securityFor, withImageUser } from './security-context.js';

/** A problem with the pod's configuration: the container waits with this reason. */
export class ContainerConfigError extends Error {
  constructor(
    message: string,
    readonly reason = 'CreateContainerConfigError',
  ) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

function sanitize(s: string): string {
  return s.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

/**
 * Deterministic Docker name: the same pod container attempt always gets the same name, so
 * Docker itself refuses a duplicate create. The uid prefix keeps a re-created pod of the
 * same name (possibly bound to another agent on the same engine) from colliding.
 */
export function containerName(pod: Pod, container: string, attempt: number): string {
  const uid = (pod.metadata.uid ?? '').replace(/-/g, '').slice(0, 8);
  return sanitize(`orch_${pod.metadata.namespace ?? 'default'}_${pod.metadata.name ?? ''}_${container}_${uid}_${attempt}`);
}

/** Hash of what the container was created from; a different hash means "replace it". */
export function containerHash(c: Container): string {
  return hashObject(c);
}

export function podLabels(pod: Pod, nodeName: string): Record<string, string> {
  return {
    [LABEL_POD_UID]: pod.metadata.uid ?? '',
    [LABEL_NAMESPACE]: pod.metadata.namespace ?? 'default',
    [LABEL_POD]: pod.metadata.name ?? '',
    [LABEL_NODE]: nodeName,
  };
}

/** ConfigMaps and Secrets of the pod's namespace, fetched by the caller; undefined = not found. */
export interface EnvSources {
  configMaps: Map<string, ConfigMap | undefined>;
  secrets: Map<string, Secret | undefined>;
  /** Service link variables (service-env.ts): added unless the container sets the name, usable in $(VAR). */
  serviceEnv?: Map<string, string>;
  /** The pod's PersistentVolumeClaims and their volumes, by claim name (claim-volumes.ts). */
  claims?: Map<string, import('./claim-volumes.js').ClaimSource>;
}

export interface PodIPs {
  podIP?: string;
  hostIP?: string;
}

/** A map's own entry: keys such as "constructor" are ordinary keys, never Object.prototype's members. */
function own(map: Record<string, string> | undefined, key: string): string | undefined {
  return map && Object.hasOwn(map, key) ? map[key] : undefined;
}

function secretValue(s: Secret, key: string): string | undefined {
  const b64 = own(s.data, key);
  if (b64 !== undefined) return Buffer.from(b64, 'base64').toString('utf8');
  return own(s.stringData, key);
}

function secretKeys(s: Secret): string[] {
  return [...new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})])];
}

export function fieldValue(pod: Pod, path: string, ips: PodIPs): string {
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? '';
    case 'status.podIP':
      return ips.podIP ?? '';
    case 'status.hostIP':
      return ips.hostIP ?? '';
  }
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return own(m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations, m[2]!) ?? '';
  throw new ContainerConfigError(`unsupported fieldRef fieldPath "${path}"`);
}

function resolveVar(pod: Pod, v: EnvVar, src: EnvSources, ips: PodIPs): string | undefined {
  if (!v.valueFrom) return v.value ?? '';
  const { configMapKeyRef: cm, secretKeyRef: sk, fieldRef } = v.valueFrom;
  if (cm) {
    const obj = src.configMaps.get(cm.name);
    const val = own(obj?.data, cm.key);
    if (val !== undefined) return val;
    if (cm.optional) return undefined;
    throw new ContainerConfigError(
      obj ? `couldn't find key ${cm.key} in ConfigMap ${pod.metadata.namespace}/${cm.name}` : `configmap "${cm.name}" not found`,
    );
  }
  if (sk) {
    const obj = src.secrets.get(sk.name);
    const val = obj ? secretValue(obj, sk.key) : undefined;
    if (val !== undefined) return val;
    if (sk.optional) return undefined;
    throw new ContainerConfigError(
      obj ? `couldn't find key ${sk.key} in Secret ${pod.metadata.namespace}/${sk.name}` : `secret "${sk.name}" not found`,
    );
  }
  if (fieldRef) return fieldValue(pod, fieldRef.fieldPath, ips);
  return v.value ?? '';
}

/**
 * The container's environment as KEY=value strings, Kubernetes order: envFrom first, then
 * env (later entries win), then service links. $(VAR) references to earlier variables
 * (and to service links) are expanded.
 * Throws ContainerConfigError for a missing non-optional ConfigMap/Secret/key.
 */
export function resolveEnv(pod: Pod, c: Container, src: EnvSources, ips: PodIPs): string[] {
  const env = new Map<string, string>();
  for (const from of c.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const obj = src.configMaps.get(from.configMapRef.name);
      if (!obj) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(obj.data ?? {})) env.set(prefix + k, v);
    }
    if (from.secretRef) {
      const obj = src.secrets.get(from.secretRef.name);
      if (!obj) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const k of secretKeys(obj)) env.set(prefix + k, secretValue(obj, k) ?? '');
    }
  }
  for (const v of c.env ?? []) {
    const val = resolveVar(pod, v, src, ips);
    if (val === undefined) continue;
    // $(NAME) expands to an earlier variable; $$ escapes; unknown references stay as written.
    env.set(v.name, v.valueFrom ? val : val.replace(/\$\$|\$\(([^)]+)\)/g, (m, name: string | undefined) => (name === undefined ? '$' : env.get(name) ?? src.serviceEnv?.get(name) ?? m)));
  }
  // The kubelet's order: the container's own variables, then the service links it did not set.
  for (const [k, v] of src.serviceEnv ?? []) if (!env.has(k)) env.set(k, v);
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** ConfigMaps and Secrets the pod references (env and envFrom of every container, init containers too; volumes): what to fetch. */
export function referencedObjects(pod: Pod): { configMaps: string[]; secrets: string[] } {
  const cms = new Set<string>();
  const secs = new Set<string>();
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const f of c.envFrom ?? []) {
      if (f.configMapRef) cms.add(f.configMapRef.name);
      if (f.secretRef) secs.add(f.secretRef.name);
    }
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef) cms.add(e.valueFrom.configMapKeyRef.name);
      if (e.valueFrom?.secretKeyRef) secs.add(e.valueFrom.secretKeyRef.name);
    }
  }
  for (const v of pod.spec.volumes ?? []) {
    if (v.configMap) cms.add(v.configMap.name);
    if (v.secret) secs.add(v.secret.secretName);
    for (const p of v.projected?.sources ?? []) {
      if (p.configMap) cms.add(p.configMap.name);
      if (p.secret) secs.add(p.secret.name);
    }
  }
  return { configMaps: [...cms], secrets: [...secs] };
}

/** Ports of every container of the pod, all published on the sandbox. */
export function podPorts(pod: Pod): PortBinding[] {
  const out: PortBinding[] = [];
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      out.push({
        containerPort: p.containerPort,
        protocol: (p.protocol ?? 'TCP').toLowerCase() as PortBinding['protocol'],
        hostPort: p.hostPort || undefined,
        hostIp: p.hostIP || undefined,
      });
    }
  }
  return out;
}

/** hostPath volumes outside the allowed prefixes → the message the pod shows. */
export function checkHostPaths(pod: Pod, allowedPrefixes: readonly string[]): string | undefined {
  for (const v of pod.spec.volumes ?? []) {
    if (!v.hostPath) continue;
    const p = v.hostPath.path;
    const norm = p.replace(/\/+$/, '');
    const ok =
      p.startsWith('/') &&
      !p.split('/').includes('..') &&
      allowedPrefixes.some((pre) => {
        const base = pre.replace(/\/+$/, '');
        return norm === base || norm.startsWith(`${base}/`);
      });
    if (!ok) {
      const allowed = allowedPrefixes.length ? allowedPrefixes.join(', ') : '(none)';
      return `hostPath ${p} is not allowed on this node; allowed prefixes: ${allowed}`;
    }
  }
  return undefined;
}

/** volume name → host directory (emptyDir, hostPath, projected configMap/secret), or an NFS export. */
export interface VolumeSources {
  hostDirs: Map<string, { path: string; readOnly: boolean }>;
  /** NFS volumes (inline or through a claim): mounted by Docker, not bound from the host. */
  nfs?: Map<string, NfsSource>;
}

export function binds(pod: Pod, c: Container, vols: VolumeSources): string[] {
  const out: string[] = [];
  for (const m of c.volumeMounts ?? []) {
    const src = vols.hostDirs.get(m.name);
    if (m.subPath && m.subPath.split('/').includes('..')) throw new ContainerConfigError(`subPath "${m.subPath}" must not contain '..'`);
    if (!src && vols.nfs?.has(m.name)) continue;
    if (!src) throw new ContainerConfigError(`volume "${m.name}" mounted by container "${c.name}" is not defined in the pod`);
    const host = m.subPath ? `${src.path}/${m.subPath}` : src.path;
    const ro = m.readOnly || src.readOnly;
    out.push(`${host}:${m.mountPath}${ro ? ':ro' : ''}`);
  }
  return out;
}

/** A valid hostname (DNS label, ≤ 63 chars) for the pod, as Kubernetes truncates it. */
export function hostnameOf(pod: Pod): string {
  const h = (pod.spec.hostname ?? pod.metadata.name ?? 'pod').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
  return h.replace(/^-+|-+$/g, '') || 'pod';
}

export interface BuildInput {
  pod: Pod;
  container: Container;
  attempt: number;
  nodeName: string;
  env: string[];
  binds: string[];
  driverVolumes?: DriverVolume[];
  /** 'container:<sandbox id>', or 'host' for hostNetwork pods. */
  networkMode: string;
  /** The image's USER, when the securityContext needs it (needsImageUser). */
  imageUser?: string;
}

/** Whether the container's securityContext needs the image's user (runAsNonRoot without runAsUser, runAsGroup alone). */
export function needsImageUser(pod: Pod, c: Container): boolean {
  const plan = securityFor(pod, c);
  return plan.checkImageUser || plan.groupOnly !== undefined;
}

/** The complete Docker create request for one container attempt. */
export function buildContainerSpec(input: BuildInput): ContainerSpec {
  const { pod, container: c, attempt } = input;
  const limits = c.resources?.limits ?? {};
  let memoryBytes: number | undefined;
  let nanoCpus: number | undefined;
  try {
    if (limits.memory !== undefined) memoryBytes = Math.floor(parseQuantity(limits.memory));
    if (limits.cpu !== undefined) nanoCpus = cpuToMillis(limits.cpu) * 1_000_000;
  } catch (err) {
    throw new ContainerConfigError(`container "${c.name}": ${(err as Error).message}`);
  }
  const plan = securityFor(pod, c);
  const security = plan.checkImageUser || plan.groupOnly !== undefined ? withImageUser(plan, input.imageUser ?? '', c.name) : plan.security;
  return {
    name: containerName(pod, c.name, attempt),
    image: c.image,
    labels: {
      ...podLabels(pod, input.nodeName),
      [LABEL_CONTAINER]: c.name,
      [LABEL_ATTEMPT]: String(attempt),
      [LABEL_HASH]: containerHash(c),
    },
    entrypoint: c.command,
    // Kubernetes: args replace CMD; command alone drops the image's CMD too.
    cmd: c.args ?? (c.command ? [] : undefined),
    workingDir: c.workingDir,
    env: input.env,
    // Ports and hostname belong to the sandbox (or to the host).
    ports: [],
    memoryBytes,
    nanoCpus,
    binds: input.binds,
    ...(input.driverVolumes?.length ? { driverVolumes: input.driverVolumes } : {}),
    networkMode: input.networkMode,
    // For attach (kubectl run -i / -t, kubectl attach): only what was asked, so other containers stay as before.
    ...(c.stdin ? { openStdin: true } : {}),
    ...(c.stdin && c.stdinOnce ? { stdinOnce: true } : {}),
    ...(c.tty ? { tty: true } : {}),
    ...(Object.keys(security).length ? { security } : {}),
  };
}

export interface SandboxInput {
  pod: Pod;
  attempt: number;
  nodeName: string;
  image: string;
  /** The node's pod network, or 'bridge' (Docker's default) without one. */
  networkMode: string;
  /** The pod's resolv.conf mount (agent/pod-dns.ts), if it has its own. */
  binds?: string[];
}

/** The Docker create request of the pod's sandbox: the image's own command, the pod's ports, hostname and resolv.conf. */
export function sandboxSpecFor(i: SandboxInput): ContainerSpec {
  return {
    name: containerName(i.pod, SANDBOX_CONTAINER, i.attempt),
    image: i.image,
    labels: { ...podLabels(i.pod, i.nodeName), [LABEL_CONTAINER]: SANDBOX_CONTAINER, [LABEL_ATTEMPT]: String(i.attempt) },
    env: [],
    ports: podPorts(i.pod),
    binds: i.binds ?? [],
    networkMode: i.networkMode,
    hostname: hostnameOf(i.pod),
  };
}

export interface ContainerInput {
  pod: Pod;
  container: Container;
  attempt: number;
  nodeName: string;
  /** The pod's ConfigMaps and Secrets, as fetched for this pass. */
  sources: EnvSources;
  /** The pod's volume directories, as written for this pass. */
  volumes: VolumeSources;
  ips: PodIPs;
  networkMode: string;
  imageUser?: string;
}

/**
 * The one entry point of the pod sync: the Docker create request for one container attempt,
 * environment resolved and volumes bound. Throws ContainerConfigError for what the pod's
 * configuration gets wrong (the container then waits with its reason).
 */
export function containerSpecFor(i: ContainerInput): ContainerSpec {
  return buildContainerSpec({
    pod: i.pod,
    container: i.container,
    attempt: i.attempt,
    nodeName: i.nodeName,
    env: resolveEnv(i.pod, i.container, i.sources, i.ips),
    binds: binds(i.pod, i.container, i.volumes),
    driverVolumes: i.volumes.nfs ? nfsMountsOf(i.container, i.volumes.nfs) : undefined,
    networkMode: i.networkMode,
    imageUser: i.imageUser,
  });
}
