import { defineConfig } from 'vitest/config';

// Integration and e2e tests start real etcd / dockerd processes, so they get generous
// timeouts; the 2-core CI machine must not run too many of them at once.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'test/cluster/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // The JSON report lets .ci/run print a plain "N passed, N failed" summary line.
    reporters: ['default', ['json', { outputFile: '.tmp/vitest-main.json' }]],
  },
});
