import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../foundation/testing/fake-clock.js';
import { ImagePuller, PRESENT_TTL_MS, effectivePullPolicy } from './image-puller.js';
import { FakeRuntime } from './testing/fake-runtime.js';

describe('effectivePullPolicy', () => {
  it('defaults like Kubernetes: Always for :latest or no tag, IfNotPresent otherwise', () => {
    expect(effectivePullPolicy({ name: 'a', image: 'busybox' })).toBe('Always');
    expect(effectivePullPolicy({ name: 'a', image: 'orch.local/busybox:latest' })).toBe('Always');
    expect(effectivePullPolicy({ name: 'a', image: 'registry:5000/x/y:1.2' })).toBe('IfNotPresent');
    expect(effectivePullPolicy({ name: 'a', image: 'registry:5000/x/y' })).toBe('Always');
    expect(effectivePullPolicy({ name: 'a', image: 'x@sha256:abc' })).toBe('IfNotPresent');
    expect(effectivePullPolicy({ name: 'a', image: 'x:1', imagePullPolicy: 'Never' })).toBe('Never');
  });
});

describe('ImagePuller', () => {
  it('Always pulls even when present; a failed pull is ErrImagePull, then ImagePullBackOff with growing waits', async () => {
    const clock = new FakeClock();
    const rt = new FakeRuntime(() => clock.now());
    rt.addImage('img:latest');
    rt.pullFailures.set('img:latest', 'dial tcp: lookup registry: no such host');
    const p = new ImagePuller(rt, clock);
    const c = { name: 'c', image: 'img:latest' };
    const started = await p.check(c, 'ns/a');
    expect(started).toMatchObject({ ok: false, reason: 'ContainerCreating' });
    await (started as { pulling: Promise<void> }).pulling;
    expect(await p.check(c, 'ns/b')).toMatchObject({ ok: false, reason: 'ErrImagePull' });
    const first = await p.check(c, 'ns/a');
    expect(first).toMatchObject({ ok: false, reason: 'ErrImagePull', retryAfterMs: 2000 });
    expect((first as { message: string }).message).toBe('failed to pull image "img:latest": dial tcp: lookup registry: no such host');
    expect(await p.check(c, 'ns/a')).toMatchObject({ reason: 'ImagePullBackOff' });
    await clock.advance(2000);
    expect(await p.check(c, 'ns/a')).toMatchObject({ reason: 'ContainerCreating' }); // retried
    await flushMicrotasks();
    expect(await p.check(c, 'ns/a')).toMatchObject({ reason: 'ErrImagePull', retryAfterMs: 4000 });
    expect(rt.calls.filter((x) => x.startsWith('pull'))).toHaveLength(2);
    // The registry comes back: next retry succeeds and the container may start.
    rt.pullFailures.clear();
    await clock.advance(4000);
    await p.check(c, 'ns/a');
    await flushMicrotasks();
    expect(await p.check(c, 'ns/a')).toEqual({ ok: true });
  });

  it('answers with the running pull, the same one for every pod that asks meanwhile', async () => {
    const clock = new FakeClock();
    const rt = new FakeRuntime(() => clock.now());
    let release!: () => void;
    rt.pullGate = new Promise((r) => (release = r));
    const p = new ImagePuller(rt, clock);
    const c = { name: 'c', image: 'slow:1' };
    const a = await p.check(c, 'ns/a');
    const b = await p.check(c, 'ns/b');
    if (a.ok || b.ok) throw new Error('image is not there yet');
    expect(a.pulling).toBeInstanceOf(Promise);
    expect(b.pulling).toBe(a.pulling);
    expect(rt.calls.filter((x) => x.startsWith('pull'))).toEqual(['pull slow:1']);
    let ended = false;
    void a.pulling!.then(() => (ended = true));
    await flushMicrotasks();
    expect(ended).toBe(false);
    release();
    await flushMicrotasks();
    expect(ended).toBe(true);
    expect(await p.check(c, 'ns/a')).toEqual({ ok: true });
  });

  it('IfNotPresent uses a present image without pulling; Never never pulls', async () => {
    const clock = new FakeClock();
    const rt = new FakeRuntime();
    rt.addImage('here:1');
    const p = new ImagePuller(rt, clock);
    expect(await p.check({ name: 'c', image: 'here:1', imagePullPolicy: 'IfNotPresent' }, 'k')).toEqual({ ok: true });
    expect(await p.check({ name: 'c', image: 'gone:1', imagePullPolicy: 'Never' }, 'k')).toMatchObject({ reason: 'ErrImageNeverPull' });
    expect(rt.calls).toEqual([]);
  });

  it('pods asking at once about one image share one inspect', async () => {
    const clock = new FakeClock();
    const rt = new FakeRuntime(() => clock.now());
    rt.addImage('img:1');
    const p = new ImagePuller(rt, clock);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => p.check({ name: 'm', image: 'img:1', imagePullPolicy: 'IfNotPresent' }, `d/p${i}`)));
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(rt.imageInspects).toBe(1);
    const missing = await Promise.all([1, 2].map((i) => p.check({ name: 'm', image: 'none:1', imagePullPolicy: 'Never' }, `d/q${i}`)));
    expect(missing.map((a) => a.ok)).toEqual([false, false]);
    expect(rt.imageInspects).toBe(2);
  });

  it('trusts a positive inspect for a few seconds (fast restarts), then asks Docker again', async () => {
    const clock = new FakeClock();
    const rt = new FakeRuntime(() => clock.now());
    rt.addImage('img:1');
    const p = new ImagePuller(rt, clock);
    const c = { name: 'm', image: 'img:1', imagePullPolicy: 'Never' as const };
    expect((await p.check(c, 'd/p')).ok).toBe(true);
    rt.images.delete('img:1');
    expect((await p.check(c, 'd/p')).ok).toBe(true);
    await clock.advance(PRESENT_TTL_MS + 1);
    expect(await p.check(c, 'd/p')).toMatchObject({ ok: false, reason: 'ErrImageNeverPull' });
    rt.addImage('img:1');
    expect((await p.check(c, 'd/p')).ok).toBe(true);
    rt.images.delete('img:1');
    p.forget('img:1');
    expect(await p.check(c, 'd/p')).toMatchObject({ ok: false, reason: 'ErrImageNeverPull' });
  });
});
