// Images the tests use, all built locally by scripts/build-test-images.sh (no registry here).

/** The pod sandbox image for agents started by tests (--pod-infra-container-image). */
export const TEST_PAUSE_IMAGE = 'orch.local/pause:3.10';

/**
 * The zero-loss app (test/images/zl-app/server.cjs) in three versions differing only in
 * ENV VERSION, built by scripts/build-zl-app-image.sh on node-base.
 */
export const zlAppImage = (version: 'v1' | 'v2' | 'v3'): string => `orch.local/zl-app:${version}`;
export const ZL_APP_IMAGES = (['v1', 'v2', 'v3'] as const).map(zlAppImage);
