import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { connectionFromRows, decodeCursor, encodeCursor, pageSize } from './connection.ts';

const isPosition = (v: unknown): v is { id: string } => typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string';

describe('connections', () => {
  it('bounds first to 1..100 with default 20', () => {
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(null)).toBe(20);
    expect(pageSize(100)).toBe(100);
    for (const bad of [0, 101, -1, 2.5]) {
      try {
        pageSize(bad);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(GraphQLError);
        expect((error as GraphQLError).extensions.code).toBe('INVALID_INPUT');
      }
    }
  });

  it('round-trips cursors and rejects junk', () => {
    const cursor = encodeCursor({ id: 'abc' });
    expect(decodeCursor(cursor, isPosition)).toEqual({ id: 'abc' });
    expect(() => decodeCursor('%%%', isPosition)).toThrow(/cursor/);
    expect(() => decodeCursor(encodeCursor({ other: 1 }), isPosition)).toThrow(/cursor/);
  });

  it('uses the extra row only to say there is a next page', () => {
    const rows = [1, 2, 3, 4];
    const page = connectionFromRows(rows, 3, false, 10, (r) => `c${r}`, (r) => ({ n: r }));
    expect(page.edges.map((e) => e.node.n)).toEqual([1, 2, 3]);
    expect(page.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: 'c1', endCursor: 'c3' });
    expect(page.totalCount).toBe(10);
    const last = connectionFromRows([], 3, true, 0, String, (r) => r);
    expect(last.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
  });
});
