// Container validation (name, image, ports, env, resources, probes, mounts), shared by
// pods and pod templates through validatePodSpec.

import type { StatusCause } from '../errors.js';
import { isValidQuantity, parseQuantity } from '../quantity.js';
import { arrayField, boolField, fe, int32Field, int64Field, objField, strField, type Obj, text } from './field-errors.js';
import { isConfigMapKey, isDns1123Label, isEnvVarName, isPortName, isQualifiedName } from './names.js';

export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
/** A TCP/UDP port number. */
export const PORT = { min: 1, max: 65535 };

export function enumField(v: unknown, field: string, allowed: readonly string[], out: StatusCause[]): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'string' || !allowed.includes(v)) out.push(fe.notSupported(field, v, allowed));
}

/** Port number 1–65535; `required` makes 0/absent an error, otherwise 0 means unset. */
function portField(v: unknown, field: string, out: StatusCause[], required: boolean): void {
  if (v === undefined || v === null || v === 0) {
    if (required) out.push(fe.required(field));
    return;
  }
  int32Field(v, field, out, PORT);
}

/** A port given as a number or as a named port (probes, Service targetPort). */
export function validateIntOrPortName(v: unknown, field: string, out: StatusCause[]): void {
  if (typeof v === 'number') int32Field(v, field, out, PORT);
  else if (typeof v === 'string') {
    if (/^\d+$/.test(v)) int32Field(Number(v), field, out, PORT);
    else for (const e of isPortName(v)) out.push(fe.invalid(field, v, e));
  } else if (v === undefined || v === null) out.push(fe.required(field));
  else out.push(fe.invalid(field, v, 'must be an integer or a port name'));
}

function validateResources(v: unknown, field: string, out: StatusCause[]): void {
  const res = objField(v, field, out);
  if (!res) return;
  const parsed: Record<'limits' | 'requests', Record<string, number>> = { limits: {}, requests: {} };
  for (const kind of ['limits', 'requests'] as const) {
    const m = objField(res[kind], `${field}.${kind}`, out);
    if (!m) continue;
    for (const [name, q] of Object.entries(m)) {
      const f = `${field}.${kind}[${name}]`;
      for (const e of isQualifiedName(name)) out.push(fe.invalid(f, name, e));
      if (!isValidQuantity(q)) {
        out.push(fe.invalid(f, q, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
        continue;
      }
      const n = parseQuantity(q as string | number);
      if (n < 0) {
        out.push(fe.invalid(f, q, 'must be greater than or equal to 0'));
        continue;
      }
      parsed[kind][name] = n;
    }
  }
  for (const [name, req] of Object.entries(parsed.requests)) {
    const lim = parsed.limits[name];
    if (lim !== undefined && req > lim) {
      const limits = res.limits as Obj;
      out.push(fe.invalid(`${field}.requests[${name}]`, (res.requests as Obj)[name], `must be less than or equal to ${name} limit of ${text(limits[name])}`));
    }
  }
}

function validateEnv(v: unknown, field: string, out: StatusCause[]): void {
  const list = arrayField(v, field, out);
  if (!list) return;
  list.forEach((raw, i) => {
    const f = `${field}[${i}]`;
    const e = objField(raw, f, out);
    if (!e) return;
    const name = strField(e.name, `${f}.name`, out);
    if (!name) {
      if (e.name === undefined || e.name === '' || e.name === null) out.push(fe.required(`${f}.name`));
    } else for (const m of isEnvVarName(name)) out.push(fe.invalid(`${f}.name`, name, m));
    const value = strField(e.value, `${f}.value`, out);
    const from = objField(e.valueFrom, `${f}.valueFrom`, out);
    if (!from) return;
    if (value) out.push(fe.invalid(`${f}.valueFrom`, '', 'may not be specified when `value` is not empty'));
    const sources = ['configMapKeyRef', 'secretKeyRef', 'fieldRef', 'resourceFieldRef'].filter((k) => from[k] !== undefined && from[k] !== null);
    if (sources.length === 0) out.push(fe.invalid(`${f}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (sources.length > 1) out.push(fe.invalid(`${f}.valueFrom`, '', 'may not have more than one field specified at a time'));
    for (const k of ['configMapKeyRef', 'secretKeyRef'] as const) {
      const ref = objField(from[k], `${f}.valueFrom.${k}`, out);
      if (!ref) continue;
      const refName = strField(ref.name, `${f}.valueFrom.${k}.name`, out);
      if (!refName) out.push(fe.required(`${f}.valueFrom.${k}.name`));
      const key = strField(ref.key, `${f}.valueFrom.${k}.key`, out);
      if (!key) out.push(fe.required(`${f}.valueFrom.${k}.key`));
      else for (const m of isConfigMapKey(key)) out.push(fe.invalid(`${f}.valueFrom.${k}.key`, key, m));
    }
    const fieldRef = objField(from.fieldRef, `${f}.valueFrom.fieldRef`, out);
    if (fieldRef && !strField(fieldRef.fieldPath, `${f}.valueFrom.fieldRef.fieldPath`, out)) out.push(fe.required(`${f}.valueFrom.fieldRef.fieldPath`));
  });
}

function validateEnvFrom(v: unknown, field: string, out: StatusCause[]): void {
  const list = arrayField(v, field, out);
  if (!list) return;
  list.forEach((raw, i) => {
    const f = `${field}[${i}]`;
    const e = objField(raw, f, out);
    if (!e) return;
    const prefix = strField(e.prefix, `${f}.prefix`, out);
    if (prefix) for (const m of isEnvVarName(prefix)) out.push(fe.invalid(`${f}.prefix`, prefix, m));
    const refs = ['configMapRef', 'secretRef'].filter((k) => e[k] !== undefined && e[k] !== null);
    if (refs.length === 0) out.push(fe.invalid(f, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (refs.length > 1) out.push(fe.invalid(f, '', 'may not have more than one field specified at a time'));
    for (const k of refs) {
      const ref = objField(e[k], `${f}.${k}`, out);
      if (ref && !strField(ref.name, `${f}.${k}.name`, out)) out.push(fe.required(`${f}.${k}.name`));
    }
  });
}

/** HTTP header names (Kubernetes' IsHTTPHeaderName). */
const HTTP_HEADER_NAME = /^[-A-Za-z0-9]+$/;

function validateHttpHeaders(v: unknown, field: string, out: StatusCause[]): void {
  arrayField(v, field, out)?.forEach((raw, i) => {
    const h = objField(raw, `${field}[${i}]`, out);
    if (!h) return;
    const name = strField(h.name, `${field}[${i}].name`, out);
    if (!name) {
      if (h.name === undefined || h.name === null || h.name === '') out.push(fe.required(`${field}[${i}].name`));
    } else if (!HTTP_HEADER_NAME.test(name)) {
      out.push(fe.invalid(`${field}[${i}].name`, name, "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"));
    }
    strField(h.value, `${field}[${i}].value`, out);
  });
}

type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** A container's probe of one kind; `init`: the container is an init container (probes only on sidecars). */
function validateProbe(v: unknown, field: string, out: StatusCause[], kind: ProbeKind, init: { restartPolicy: unknown } | undefined): void {
  const p = objField(v, field, out);
  if (!p) return;
  if (init && init.restartPolicy !== 'Always') {
    out.push(fe.forbidden(field, 'may not be set for init containers without restartPolicy=Always'));
    return;
  }
  const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((k) => p[k] !== undefined && p[k] !== null);
  if (handlers.length === 0) out.push(fe.required(field, 'must specify a handler type'));
  else if (handlers.length > 1) out.push(fe.forbidden(`${field}.${handlers[1]}`, 'may not specify more than 1 handler type'));
  const exec = objField(p.exec, `${field}.exec`, out);
  if (exec) {
    const cmd = arrayField(exec.command, `${field}.exec.command`, out);
    if (!cmd || cmd.length === 0) out.push(fe.required(`${field}.exec.command`));
  }
  const http = objField(p.httpGet, `${field}.httpGet`, out);
  if (http) {
    validateIntOrPortName(http.port, `${field}.httpGet.port`, out);
    strField(http.path, `${field}.httpGet.path`, out);
    strField(http.host, `${field}.httpGet.host`, out);
    enumField(http.scheme, `${field}.httpGet.scheme`, ['HTTP', 'HTTPS'], out);
    validateHttpHeaders(http.httpHeaders, `${field}.httpGet.httpHeaders`, out);
  }
  const tcp = objField(p.tcpSocket, `${field}.tcpSocket`, out);
  if (tcp) {
    validateIntOrPortName(tcp.port, `${field}.tcpSocket.port`, out);
    strField(tcp.host, `${field}.tcpSocket.host`, out);
  }
  const grpc = objField(p.grpc, `${field}.grpc`, out);
  if (grpc) {
    if (grpc.port === undefined || grpc.port === null) out.push(fe.required(`${field}.grpc.port`));
    else int32Field(grpc.port, `${field}.grpc.port`, out, PORT);
    strField(grpc.service, `${field}.grpc.service`, out);
  }
  int32Field(p.initialDelaySeconds, `${field}.initialDelaySeconds`, out, { min: 0 });
  int32Field(p.periodSeconds, `${field}.periodSeconds`, out, { min: 1 });
  int32Field(p.timeoutSeconds, `${field}.timeoutSeconds`, out, { min: 1 });
  const success = int32Field(p.successThreshold, `${field}.successThreshold`, out, { min: 1 });
  // Kubernetes: a liveness or startup verdict needs one success; readiness may ask for more.
  if (kind !== 'readiness' && success !== undefined && success !== 1) out.push(fe.invalid(`${field}.successThreshold`, success, 'must be 1'));
  int32Field(p.failureThreshold, `${field}.failureThreshold`, out, { min: 1 });
  int64Field(p.terminationGracePeriodSeconds, `${field}.terminationGracePeriodSeconds`, out, { min: 1 });
  if (kind === 'readiness' && p.terminationGracePeriodSeconds !== undefined && p.terminationGracePeriodSeconds !== null) {
    out.push(fe.invalid(`${field}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
  }
}

function validatePorts(v: unknown, field: string, out: StatusCause[]): void {
  const list = arrayField(v, field, out);
  if (!list) return;
  const names = new Set<string>();
  list.forEach((raw, i) => {
    const f = `${field}[${i}]`;
    const p = objField(raw, f, out);
    if (!p) return;
    const name = strField(p.name, `${f}.name`, out);
    if (name) {
      for (const e of isPortName(name)) out.push(fe.invalid(`${f}.name`, name, e));
      if (names.has(name)) out.push(fe.duplicate(`${f}.name`, name));
      names.add(name);
    }
    portField(p.containerPort, `${f}.containerPort`, out, true);
    portField(p.hostPort, `${f}.hostPort`, out, false);
    enumField(p.protocol, `${f}.protocol`, PROTOCOLS, out);
    strField(p.hostIP, `${f}.hostIP`, out);
  });
}

/** User and group IDs: int64 in Go, 0..2147483647 in Kubernetes' validation. */
const ID = { min: 0, max: 2147483647 };

/** The numeric and boolean parts of a pod's or a container's securityContext. */
export function validateSecurityContext(v: unknown, field: string, out: StatusCause[], pod: boolean): void {
  const sc = objField(v, field, out);
  if (!sc) return;
  int64Field(sc.runAsUser, `${field}.runAsUser`, out, ID);
  int64Field(sc.runAsGroup, `${field}.runAsGroup`, out, ID);
  boolField(sc.runAsNonRoot, `${field}.runAsNonRoot`, out);
  if (pod) {
    int64Field(sc.fsGroup, `${field}.fsGroup`, out, ID);
    arrayField(sc.supplementalGroups, `${field}.supplementalGroups`, out)?.forEach((g, i) => int64Field(g, `${field}.supplementalGroups[${i}]`, out, ID));
  } else {
    for (const k of ['privileged', 'readOnlyRootFilesystem', 'allowPrivilegeEscalation'] as const) boolField(sc[k], `${field}.${k}`, out);
  }
}

/** `init`: c is one of spec.initContainers (probes are for sidecars only). */
export function validateContainer(c: Obj, f: string, volumes: Set<string>, out: StatusCause[], init = false): void {
  const name = strField(c.name, `${f}.name`, out);
  if (!name) {
    if (c.name === undefined || c.name === '' || c.name === null) out.push(fe.required(`${f}.name`));
  } else for (const e of isDns1123Label(name)) out.push(fe.invalid(`${f}.name`, name, e));
  const image = strField(c.image, `${f}.image`, out);
  if (c.image === undefined || c.image === null || (typeof c.image === 'string' && c.image.trim() === '')) out.push(fe.required(`${f}.image`));
  else if (image && image !== image.trim()) out.push(fe.invalid(`${f}.image`, image, 'must not have leading or trailing whitespace'));
  enumField(c.imagePullPolicy, `${f}.imagePullPolicy`, PULL_POLICIES, out);
  for (const k of ['command', 'args'] as const) {
    const list = arrayField(c[k], `${f}.${k}`, out);
    list?.forEach((s, i) => {
      if (typeof s !== 'string') out.push(fe.invalid(`${f}.${k}[${i}]`, s, 'must be a string'));
    });
  }
  strField(c.workingDir, `${f}.workingDir`, out);
  for (const k of ['stdin', 'stdinOnce', 'tty'] as const) boolField(c[k], `${f}.${k}`, out);
  validatePorts(c.ports, `${f}.ports`, out);
  validateEnv(c.env, `${f}.env`, out);
  validateEnvFrom(c.envFrom, `${f}.envFrom`, out);
  validateResources(c.resources, `${f}.resources`, out);
  const initOf = init ? { restartPolicy: c.restartPolicy } : undefined;
  validateProbe(c.readinessProbe, `${f}.readinessProbe`, out, 'readiness', initOf);
  validateProbe(c.livenessProbe, `${f}.livenessProbe`, out, 'liveness', initOf);
  validateProbe(c.startupProbe, `${f}.startupProbe`, out, 'startup', initOf);
  validateSecurityContext(c.securityContext, `${f}.securityContext`, out, false);
  const mounts = arrayField(c.volumeMounts, `${f}.volumeMounts`, out);
  const paths = new Set<string>();
  mounts?.forEach((raw, i) => {
    const mf = `${f}.volumeMounts[${i}]`;
    const m = objField(raw, mf, out);
    if (!m) return;
    const mname = strField(m.name, `${mf}.name`, out);
    if (!mname) out.push(fe.required(`${mf}.name`));
    else if (!volumes.has(mname)) out.push(fe.invalid(`${mf}.name`, mname, 'must match the name of a volume in spec.volumes (not found)'));
    const mountPath = strField(m.mountPath, `${mf}.mountPath`, out);
    if (!mountPath) out.push(fe.required(`${mf}.mountPath`));
    else {
      if (paths.has(mountPath)) out.push(fe.invalid(`${mf}.mountPath`, mountPath, 'must be unique'));
      paths.add(mountPath);
    }
    const sub = strField(m.subPath, `${mf}.subPath`, out);
    if (sub && (sub.startsWith('/') || sub.split('/').includes('..'))) out.push(fe.invalid(`${mf}.subPath`, sub, "must be a relative path without '..'"));
    boolField(m.readOnly, `${mf}.readOnly`, out);
  });
}

