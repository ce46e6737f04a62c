// The public API of the client library: import from 'client/index.js'. Test doubles
// (FakeClient, FakeWatch, FakeClock) are not part of it: they live in testing/ folders,
// which the build leaves out of dist/.

export * from './types.js';
export { createLogger, silentLogger, type Logger } from '../foundation/logger.js';
export { realClock, type Clock } from '../foundation/clock.js';
export { ApiClient } from './rest-client.js';
export { HttpTransport, type RequestOptions, type QueryValue } from './http-transport.js';
export { RestResourceClient, HttpWatch, PATCH_CONTENT_TYPES } from './rest-resource-client.js';
export { WatchEventParser, WatchDecodeError, readWatchEvents } from './watch-stream.js';
export { Informer, type InformerOptions, type EventHandler } from './informer.js';
export { diffList, deepFreeze, type ListDiff } from './informer-diff.js';
export { IndexedCache } from './indexed-cache.js';
export { WorkQueue, type WorkQueueOptions } from './work-queue.js';
export { runReconcileLoop, done, requeueAfter, requeueWhen, mergeResults, type Result, type ReconcileLoopOptions } from './reconcile-loop.js';
export { queueMetrics } from './work-queue-metrics.js';
export { LeaderElector, type LeaderElectorOptions } from './leader-election.js';
export { EventRecorder, type EventRecorderOptions } from './event-recorder.js';
export {
  loadClientConfig,
  readConfigFile,
  writeConfigFile,
  setContext,
  readTokenFile,
  defaultConfigPath,
  orchHome,
  type ClientFlags,
  type ContextConfig,
  type OrchConfigFile,
} from './kubeconfig.js';
