import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../api/types.js';
import { securityFor, withImageUser } from './security-context.js';
import { ContainerConfigError } from './pod-to-container.js';

const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [], ...spec } }) as Pod;
const c = (securityContext: Container['securityContext'] = {}): Container => ({ name: 'c', image: 'img', securityContext });

describe('securityFor', () => {
  it('maps every accepted field to its Docker option', () => {
    const plan = securityFor(
      pod({ hostPID: true, hostIPC: true, securityContext: { runAsUser: 1000, runAsGroup: 2000, supplementalGroups: [3, 4], seccompProfile: { type: 'Unconfined' } } }),
      c({ privileged: true, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsUser: 1001 }),
    );
    expect(plan).toEqual({
      security: { privileged: true, capAdd: ['NET_ADMIN'], capDrop: ['ALL'], readonlyRootfs: true, securityOpt: ['no-new-privileges', 'seccomp=unconfined'], groupAdd: ['3', '4'], pidMode: 'host', ipcMode: 'host', user: '1001:2000' },
      checkImageUser: false,
      groupOnly: undefined,
    });
  });

  it('no securityContext: no options', () => {
    expect(securityFor(pod(), { name: 'c', image: 'i' }).security).toEqual({});
  });

  it('runAsNonRoot with runAsUser 0 is a config error; without runAsUser the image user decides', () => {
    expect(() => securityFor(pod(), c({ runAsNonRoot: true, runAsUser: 0 }))).toThrow(ContainerConfigError);
    const plan = securityFor(pod({ securityContext: { runAsNonRoot: true } }), c());
    expect(plan.checkImageUser).toBe(true);
    expect(() => withImageUser(plan, '', 'c')).toThrow(/will run as root/);
    expect(() => withImageUser(plan, 'root', 'c')).toThrow(/will run as root/);
    expect(() => withImageUser(plan, 'nobody', 'c')).toThrow(/non-numeric user/);
    expect(withImageUser(plan, '1000:1000', 'c')).toEqual({});
  });

  it('runAsGroup alone keeps the image user', () => {
    const plan = securityFor(pod(), c({ runAsGroup: 50 }));
    expect(withImageUser(plan, '', 'c')).toEqual({ user: '0:50' });
    expect(withImageUser(plan, '1000', 'c')).toEqual({ user: '1000:50' });
  });
});
