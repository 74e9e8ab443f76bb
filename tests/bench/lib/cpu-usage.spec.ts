import { describe, expect, it } from 'vitest';
import { cpuPerOperation, cpuRows, spentBetween } from './cpu-usage.ts';

describe('CPU use between snapshots', () => {
  it('sums infrastructure over its pids, ignores pids that exited and counts new ones whole', () => {
    const before = new Map([['orders', 10], ['postgresql#1', 50], ['postgresql#2', 5]]);
    const after = new Map([['orders', 12.5], ['postgresql#2', 6], ['postgresql#3', 0.5]]);
    expect(Object.fromEntries(spentBetween(before, after))).toEqual({ orders: 2.5, postgresql: 1.5 });
  });

  it('prints rows busiest first, with the share of one core over the elapsed time', () => {
    const rows = cpuRows(new Map([['a', 1], ['b', 1]]), new Map([['a', 2], ['b', 1.5]]), 2_000);
    expect(rows).toEqual([['process', 'CPU seconds', '% of one core'], ['a', 1, 50], ['b', 0.5, 25]]);
  });

  it('charges CPU per operation to the system, not to the load generator', () => {
    const before = new Map([['gateway', 1], ['postgresql#9', 2], ['bench (load generator)', 0]]);
    const after = new Map([['gateway', 3], ['postgresql#9', 3], ['bench (load generator)', 5]]);
    const { totalMs, rows } = cpuPerOperation(before, after, 1_000, 1_000);
    expect(totalMs).toBe(3);
    expect(rows).toEqual([
      ['process', 'CPU seconds', '% of one core', 'CPU ms per decision'],
      ['bench (load generator)', 5, 500, '(not counted)'],
      ['gateway', 2, 200, 2],
      ['postgresql', 1, 100, 1],
      ['all of the system', 3, 300, 3],
    ]);
  });
});
