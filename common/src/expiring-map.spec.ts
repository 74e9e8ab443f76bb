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

  it('stays within its bound: lapsed entries go first, then the oldest live one', () => {
    const map = new ExpiringMap<string, number>(3);
    map.set('old', 1, 100, 0);
    map.set('lapses', 2, 10, 0);
    map.set('live', 3, 100, 0);
    map.set('new', 4, 100, 50); // full at 50: 'lapses' has lapsed and goes
    expect([map.get('old', 50), map.get('lapses', 5), map.get('live', 50), map.get('new', 50)]).toEqual([1, undefined, 3, 4]);
    map.set('newer', 5, 100, 50); // full, none lapsed: the oldest ('old') goes
    expect(map.size).toBe(3);
    expect([map.get('old', 50), map.get('live', 50), map.get('new', 50), map.get('newer', 50)]).toEqual([undefined, 3, 4, 5]);
  });
});
