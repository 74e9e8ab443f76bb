import { describe, expect, it } from 'vitest';
import { ExpiringMap } from './expiring-map.ts';

describe('ExpiringMap', () => {
  it('answers a value until its time, then nothing', () => {
    const map = new ExpiringMap<string, number>(10);
    map.set('a', 1, 1_000, 0);
    expect(map.get('a', 999)).toBe(1);
    expect(map.get('a', 1_000)).toBeUndefined();
    map.delete('a');
    expect(map.size).toBe(0);
  });

  it('stays within its bound: the oldest entries go, lapsed ones first, then the oldest live one', () => {
    const map = new ExpiringMap<string, number>(3);
    map.set('lapses', 1, 10, 0);
    map.set('old', 2, 100, 0);
    map.set('live', 3, 100, 0);
    map.set('new', 4, 100, 50); // full at 50: 'lapses' (oldest, lapsed) goes
    expect(map.size).toBe(3);
    expect([map.get('old', 50), map.get('live', 50), map.get('new', 50)]).toEqual([2, 3, 4]);
    map.set('newer', 5, 100, 50); // full, the oldest is live: 'old' goes
    expect(map.size).toBe(3);
    expect([map.get('old', 50), map.get('live', 50), map.get('new', 50), map.get('newer', 50)]).toEqual([undefined, 3, 4, 5]);
  });

  it('makes room in constant time per entry when full (no scan of every entry)', () => {
    const map = new ExpiringMap<number, number>(10_000);
    for (let i = 0; i < 10_000; i++) map.set(i, i, 60_000 + i, 0);
    // Count the entries set() walks once full, through the iterator its sweep uses.
    let visited = 0;
    const entries = Map.prototype[Symbol.iterator];
    Map.prototype[Symbol.iterator] = function (this: Map<unknown, unknown>) {
      const it = entries.call(this);
      return { next: () => (visited++, it.next()), [Symbol.iterator]() { return this; } } as never;
    };
    try {
      for (let i = 10_000; i < 11_000; i++) map.set(i, i, 60_000 + i, 1);
    } finally {
      Map.prototype[Symbol.iterator] = entries;
    }
    expect(map.size).toBe(10_000);
    expect(visited).toBeLessThan(5_000); // a scan per set would be ~10,000,000
  });
});
