import { defineConfig } from 'vitest/config';

// The fault suite builds a whole multi-host cluster per scenario file (bridges, network
// namespaces, one dockerd per host, fixed names): files must run one at a time, and
// each step may take long on a shared 2-core machine.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    pool: 'forks',
    fileParallelism: false,
    poolOptions: { forks: { singleFork: true } },
    globalSetup: ['test/cluster/global-setup.ts'],
    // The JSON report lets .ci/run print a plain "N passed, N failed" summary line.
    reporters: ['default', ['json', { outputFile: '.tmp/vitest-cluster.json' }]],
  },
});
