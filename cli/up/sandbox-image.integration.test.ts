// `orch up` picks the pod sandbox image against the real Docker engine: the default when
// Docker has it, else orch.local/pause:3.10 when that was built locally (no registry here).

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PAUSE_IMAGE, LOCAL_PAUSE_IMAGE, dockerHasImage, dockerSocketPath, sandboxImageFlags } from './prerequisites.js';

const present = (ref: string) => {
  try {
    execFileSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

describe('sandbox image for orch up', () => {
  it('asks Docker whether an image is present', async () => {
    const socket = dockerSocketPath();
    expect(await dockerHasImage(socket, LOCAL_PAUSE_IMAGE)).toBe(present(LOCAL_PAUSE_IMAGE));
    expect(await dockerHasImage(socket, 'orch.local/h14-sandbox-no-such-image:1')).toBe(false);
    expect(await dockerHasImage('/nonexistent.sock', LOCAL_PAUSE_IMAGE)).toBe(false);
  });

  it('passes orch.local/pause:3.10 to the agents only when the default is missing and the local one exists', async () => {
    const got = await sandboxImageFlags(dockerSocketPath());
    if (!present(DEFAULT_PAUSE_IMAGE) && present(LOCAL_PAUSE_IMAGE)) {
      expect(got).toEqual({ flags: ['--pod-infra-container-image', LOCAL_PAUSE_IMAGE], note: `Pod sandboxes use ${LOCAL_PAUSE_IMAGE} (${DEFAULT_PAUSE_IMAGE} is not present locally)` });
    } else {
      expect(got).toEqual({ flags: [] });
    }
  });
});
