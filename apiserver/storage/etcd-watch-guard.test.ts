// Which errors count as the etcd client library's own (what the process guard contains).

import { ClientRuntimeError, GRPCUnavailableError } from 'etcd3';
import { expect, test } from 'vitest';
import { isEtcdClientLibraryError } from './etcd-watch-guard.js';

test('etcd3 error types and errors thrown from etcd3 / grpc-js code are library errors; others are not', () => {
  expect(isEtcdClientLibraryError(new ClientRuntimeError('Failed to find watcher for IWatchResponse'))).toBe(true);
  expect(isEtcdClientLibraryError(new GRPCUnavailableError('14 UNAVAILABLE'))).toBe(true);
  const fromGrpc = new Error('boom');
  fromGrpc.stack = 'Error: boom\n    at Http2CallStream.x (/opt/orch/node_modules/@grpc/grpc-js/build/src/call.js:1:1)\n    at our (/opt/orch/dist/apiserver/x.js:1:1)';
  expect(isEtcdClientLibraryError(fromGrpc)).toBe(true);
  const ours = new Error('boom');
  ours.stack = 'Error: boom\n    at our (/opt/orch/dist/apiserver/x.js:1:1)\n    at lib (/opt/orch/node_modules/etcd3/lib/watch.js:1:1)';
  expect(isEtcdClientLibraryError(ours)).toBe(false);
  expect(isEtcdClientLibraryError(new TypeError('x'))).toBe(false);
  expect(isEtcdClientLibraryError('a string')).toBe(false);
});
