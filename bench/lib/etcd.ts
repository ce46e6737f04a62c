// Throw-away etcd for benches: the same helper the integration tests use (built into
// dist-bench/ through tsconfig.bench.json's test/helpers), so benches and tests agree on how
// etcd is started and cleaned up.

export { startEtcd, type TestEtcd } from '../../test/helpers/etcd.js';
