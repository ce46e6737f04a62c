// The last-resort guard's decisions, with an injected event source, exit and clock (the
// real process's survival is test/e2e/apiserver-restart-storm.test.ts).

import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import pino from 'pino';
import { expect, test } from 'vitest';
import { installProcessGuard } from './process-guard.js';

class LibraryError extends Error {}

function setup(maxContained?: number) {
  const proc = new EventEmitter();
  const exits: number[] = [];
  const recovered: Error[] = [];
  const lines: { level: number; msg: string; err?: { stack?: string }; origin?: string }[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  let t = 1_000_000;
  const uninstall = installProcessGuard({
    logger: pino({ level: 'info' }, sink),
    isContainable: (err) => err instanceof LibraryError,
    recover: (err) => void recovered.push(err),
    maxContained,
    proc: proc as unknown as NodeJS.Process,
    exit: (code) => void exits.push(code),
    now: () => t,
  });
  return { proc, exits, recovered, lines, uninstall, advance: (ms: number) => (t += ms) };
}

test('an etcd client library error, thrown or rejected, is logged with its stack and contained', async () => {
  const g = setup();
  const thrown = new LibraryError('Failed to find watcher for IWatchResponse');
  g.proc.emit('uncaughtException', thrown);
  g.proc.emit('unhandledRejection', new LibraryError('rejected inside grpc-js'), Promise.resolve());
  expect(g.exits).toEqual([]);
  expect(g.recovered.map((e) => e.message)).toEqual(['Failed to find watcher for IWatchResponse', 'rejected inside grpc-js']);
  await new Promise((r) => setImmediate(r));
  expect(g.lines.map((l) => [l.level, l.origin])).toEqual([
    [50, 'uncaughtException'],
    [50, 'unhandledRejection'],
  ]);
  expect(g.lines[0]!.err!.stack).toContain('Failed to find watcher');
  g.uninstall();
  expect(g.proc.listenerCount('uncaughtException') + g.proc.listenerCount('unhandledRejection')).toBe(0);
});

test('any other unexpected error ends the process with code 1 after logging it', async () => {
  const g = setup();
  g.proc.emit('unhandledRejection', new TypeError("Cannot read properties of undefined (reading 'x')"), Promise.resolve());
  expect(g.exits).toEqual([1]);
  expect(g.recovered).toEqual([]);
  await new Promise((r) => setImmediate(r));
  expect(g.lines[0]!.level).toBe(60);
  expect(g.lines[0]!.err!.stack).toContain('TypeError');
});

test('library errors that keep coming (more than maxContained a minute) end the process', () => {
  const g = setup(3);
  for (let i = 0; i < 3; i++) g.proc.emit('uncaughtException', new LibraryError(`e${i}`));
  expect(g.exits).toEqual([]);
  g.advance(61_000); // the window slides: three more are contained again
  for (let i = 0; i < 3; i++) g.proc.emit('uncaughtException', new LibraryError(`f${i}`));
  expect(g.exits).toEqual([]);
  g.proc.emit('uncaughtException', new LibraryError('one too many'));
  expect(g.exits).toEqual([1]);
  expect(g.recovered).toHaveLength(6);
});
