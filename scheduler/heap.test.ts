import { describe, expect, it } from 'vitest';
import { KeyedHeap } from './heap.js';

describe('KeyedHeap', () => {
  it('pops in order after random pushes, updates and deletes', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const h = new KeyedHeap<{ k: string; v: number }>((x) => x.k, (a, b) => a.v < b.v);
    const model = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const k = `k${Math.floor(rnd() * 300)}`;
      const op = rnd();
      if (op < 0.6) {
        const v = Math.floor(rnd() * 1000);
        h.push({ k, v });
        model.set(k, v);
      } else if (op < 0.8) {
        expect(h.delete(k)?.v).toBe(model.get(k));
        model.delete(k);
      } else if (h.size > 0) {
        const top = h.pop()!;
        expect(top.v).toBe(Math.min(...model.values()));
        model.delete(top.k);
      }
      expect(h.size).toBe(model.size);
    }
    const rest: number[] = [];
    for (let x = h.pop(); x; x = h.pop()) rest.push(x.v);
    expect(rest).toEqual([...model.values()].sort((a, b) => a - b));
  });
});
