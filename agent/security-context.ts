// A pod's and a container's securityContext as Docker create options (pure). These are
// the fields orch's API accepts (api/validation/unimplemented-fields.ts refuses the rest):
//   privileged                     → HostConfig.Privileged
//   capabilities.add / drop        → CapAdd / CapDrop (names with or without CAP_, "ALL")
//   runAsUser / runAsGroup         → User "uid[:gid]" (container wins over pod)
//   supplementalGroups (pod)       → GroupAdd
//   readOnlyRootFilesystem         → ReadonlyRootfs
//   allowPrivilegeEscalation false → SecurityOpt no-new-privileges
//   seccompProfile Unconfined      → SecurityOpt seccomp=unconfined (RuntimeDefault: Docker's default profile)
//   hostPID / hostIPC (pod)        → PidMode / IpcMode "host"
// runAsNonRoot is checked, as the kubelet does: against runAsUser, else against the
// image's user (which must then be numeric), before the container is created.
// One difference from Kubernetes: with no seccompProfile at all a container runs under
// Docker's default profile (the kubelet's default is Unconfined) — stricter, on purpose.

import type { Container, Pod } from '../api/types.js';
import { ContainerConfigError } from './pod-to-container.js';
import type { ContainerSecurity } from './runtime/types.js';

export interface SecurityPlan {
  security: ContainerSecurity;
  /** runAsNonRoot is asked and no runAsUser says who runs: the image's user must be checked. */
  checkImageUser: boolean;
  /** The group to run as when only runAsGroup is given (the image's user goes in front). */
  groupOnly?: number;
}

export function securityFor(pod: Pod, c: Container): SecurityPlan {
  const p = pod.spec.securityContext ?? {};
  const s = c.securityContext ?? {};
  const out: ContainerSecurity = {};
  if (s.privileged) out.privileged = true;
  if (s.capabilities?.add?.length) out.capAdd = [...s.capabilities.add];
  if (s.capabilities?.drop?.length) out.capDrop = [...s.capabilities.drop];
  if (s.readOnlyRootFilesystem) out.readonlyRootfs = true;
  const opts: string[] = [];
  if (s.allowPrivilegeEscalation === false) opts.push('no-new-privileges');
  if ((s.seccompProfile ?? p.seccompProfile)?.type === 'Unconfined') opts.push('seccomp=unconfined');
  if (opts.length) out.securityOpt = opts;
  if (p.supplementalGroups?.length) out.groupAdd = p.supplementalGroups.map(String);
  if (pod.spec.hostPID) out.pidMode = 'host';
  if (pod.spec.hostIPC) out.ipcMode = 'host';
  const uid = s.runAsUser ?? p.runAsUser;
  const gid = s.runAsGroup ?? p.runAsGroup;
  const nonRoot = s.runAsNonRoot ?? p.runAsNonRoot ?? false;
  if (uid !== undefined) {
    if (nonRoot && uid === 0) throw new ContainerConfigError(`container "${c.name}": runAsNonRoot is set but runAsUser is 0 (root)`);
    out.user = gid !== undefined ? `${uid}:${gid}` : String(uid);
  }
  return { security: out, checkImageUser: nonRoot && uid === undefined, groupOnly: uid === undefined ? gid : undefined };
}

/**
 * Completes the plan with the image's configured user (`USER` of its config, '' = root):
 * the kubelet's runAsNonRoot check, and the user in front of a runAsGroup given alone.
 */
export function withImageUser(plan: SecurityPlan, imageUser: string, container: string): ContainerSecurity {
  const user = imageUser.split(':')[0] ?? '';
  if (plan.checkImageUser) {
    if (user === '' || user === 'root' || user === '0') throw new ContainerConfigError(`container "${container}": runAsNonRoot is set and the image will run as root`);
    if (!/^\d+$/.test(user)) throw new ContainerConfigError(`container "${container}": runAsNonRoot is set and the image has a non-numeric user (${user}): cannot verify that it is not root`);
  }
  if (plan.groupOnly === undefined) return plan.security;
  return { ...plan.security, user: `${user || '0'}:${plan.groupOnly}` };
}
