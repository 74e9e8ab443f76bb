import { randomUUID } from 'node:crypto';
import { encodeCursor } from '@limitedcart/common';
import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { countSql, cursorOf, decodeProductCursor, effectiveSort, listingQuery, pageSql, toPrefixTsQuery } from './product-listing.ts';

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return (error as GraphQLError).extensions?.code;
  }
  return 'no error';
};

describe('search text → tsquery', () => {
  it('ANDs the words and makes the last one a prefix', () => {
    expect(toPrefixTsQuery('Red  Sho')).toBe('red & sho:*');
    expect(toPrefixTsQuery('café')).toBe('café:*');
  });
  it('drops everything that is tsquery syntax', () => {
    expect(toPrefixTsQuery("a':* | !b & (c) <-> d\\")).toBe('a & b & c & d:*');
    expect(toPrefixTsQuery(' !&| ')).toBeNull();
    expect(toPrefixTsQuery(undefined)).toBeNull();
  });
  it('RELEVANCE without words is NEWEST', () => {
    expect(effectiveSort('RELEVANCE', null)).toBe('NEWEST');
    expect(effectiveSort('RELEVANCE', 'x:*')).toBe('RELEVANCE');
    expect(effectiveSort(undefined, null)).toBe('NEWEST');
  });
});

describe('cursors', () => {
  const id = randomUUID();
  it('round-trip for every sort with the key the database returned', () => {
    const when = new Date('2025-01-31T09:30:00.123Z');
    expect(decodeProductCursor(cursorOf('NEWEST', id, when), 'NEWEST')).toEqual({ s: 'NEWEST', k: when.toISOString(), id });
    expect(decodeProductCursor(cursorOf('PRICE_ASC', id, 1999), 'PRICE_ASC')).toEqual({ s: 'PRICE_ASC', k: 1999, id });
    expect(decodeProductCursor(cursorOf('NAME_ASC', id, 'drop'), 'NAME_ASC')).toEqual({ s: 'NAME_ASC', k: 'drop', id });
    expect(decodeProductCursor(cursorOf('RELEVANCE', id, 0.0607927), 'RELEVANCE')).toEqual({ s: 'RELEVANCE', k: 0.0607927, id });
  });
  it('refuse junk, wrong key types and cursors of another sort as INVALID_INPUT', () => {
    expect(codeOf(() => decodeProductCursor('%%%', 'NEWEST'))).toBe('INVALID_INPUT');
    expect(codeOf(() => decodeProductCursor(encodeCursor({ s: 'PRICE_ASC', k: 'cheap', id }), 'PRICE_ASC'))).toBe('INVALID_INPUT');
    expect(codeOf(() => decodeProductCursor(encodeCursor({ s: 'NEWEST', k: 'yesterday', id }), 'NEWEST'))).toBe('INVALID_INPUT');
    expect(codeOf(() => decodeProductCursor(encodeCursor({ s: 'NEWEST', k: new Date().toISOString(), id: '1; drop' }), 'NEWEST'))).toBe('INVALID_INPUT');
    expect(codeOf(() => decodeProductCursor(cursorOf('PRICE_ASC', id, 5), 'PRICE_DESC'))).toBe('INVALID_INPUT');
  });
});

describe('listing SQL', () => {
  it('refuses malformed price bounds', () => {
    expect(codeOf(() => listingQuery({ first: 10, filter: { minPrice: 'cheap' } }))).toBe('INVALID_INPUT');
    expect(codeOf(() => listingQuery({ first: 10, filter: { maxPrice: '1.999' } }))).toBe('INVALID_INPUT');
  });

  it('keeps parameters in placeholder order, with the cursor as a row comparison in the sort direction', () => {
    const id = randomUUID();
    const q = listingQuery({ first: 10, sortBy: 'RELEVANCE', filter: { search: 'blue sh', minPrice: '1.00' }, after: cursorOf('RELEVANCE', id, 0.5) });
    const { sql, params } = pageSql(q);
    expect(sql.split('?').length - 1).toBe(params.length);
    expect(sql).toContain('(ts_rank(p.search_vector, to_tsquery(\'simple\', ?)), p.id) < (?::real, ?::uuid)');
    expect(sql).toMatch(/order by sort_key desc, p\.id desc limit \?$/);
    expect(params).toEqual(['blue & sh:*', 'blue & sh:*', 100, 'blue & sh:*', 0.5, id, 11]);
    const asc = pageSql(listingQuery({ first: 5, sortBy: 'PRICE_ASC', after: cursorOf('PRICE_ASC', id, 100) }));
    expect(asc.sql).toContain('(p.price_minor, p.id) > (?::integer, ?::uuid)');
    expect(asc.params).toEqual([100, id, 6]);
    const count = countSql(q);
    expect(count.sql).not.toContain('limit');
    expect(count.params).toEqual(['blue & sh:*', 100]);
  });

  it('a category id that is not a UUID matches nothing (ids are opaque), a UUID filters', () => {
    expect(listingQuery({ first: 1, filter: { categoryId: 'nope' } }).impossible).toBe(true);
    const id = randomUUID();
    expect(pageSql(listingQuery({ first: 1, filter: { categoryId: id } })).params).toEqual([id, 2]);
  });
});
