// Images the tests use, all built locally by scripts/build-test-images.sh (no registry here).

/** The pod sandbox image for agents started by tests (--pod-infra-container-image). */
export const TEST_PAUSE_IMAGE = 'orch.local/pause:3.10';
