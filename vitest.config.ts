import { defineConfig } from 'vitest/config';

// Two projects, one run (`npm test` runs both, as CI does):
//  - unit: everything that needs no etcd, no Docker and no built binary, so
//    `npm run test:unit` gives an answer in well under a minute;
//  - integration: test/e2e/ and every *.integration.test.ts (test/architecture checks
//    that a test starting etcd, Docker or dist/ is named so). Integration and e2e tests
//    start real etcd / dockerd processes, so they get generous timeouts; the 2-core CI
//    machine must not run too many of them at once.
// The multi-host fault suite (test/cluster/) has its own config (npm run test:cluster).
const NEVER = ['node_modules/**', 'dist/**', 'dist-bench/**', 'test/cluster/**', '.tmp/**'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // The JSON report lets .ci/run print a plain "N passed, N failed" summary line.
    reporters: ['default', ['json', { outputFile: '.tmp/vitest-main.json' }]],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['**/*.test.ts'], exclude: [...NEVER, 'test/e2e/**', '**/*.integration.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/e2e/**/*.test.ts', '**/*.integration.test.ts'], exclude: NEVER },
      },
    ],
  },
});
