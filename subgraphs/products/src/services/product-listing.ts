// Keyset pagination over active products: the cursor is the sort key of the last row plus its id, so a page never
// depends on how many rows precede it (no OFFSET) and rows added meanwhile cannot shift it (no gaps, no repeats).
import { decodeCursor, encodeCursor, invalidInput, parseMinorUnits } from '@limitedcart/common';
import { isUuid } from './product-record.ts';

export const PRODUCT_SORTS = ['NEWEST', 'PRICE_ASC', 'PRICE_DESC', 'NAME_ASC', 'RELEVANCE'] as const;
export type ProductSort = (typeof PRODUCT_SORTS)[number];

export interface ProductFilter {
  search?: string | null;
  categoryId?: string | null;
  minPrice?: string | null;
  maxPrice?: string | null;
}

/** A position in one sort order: `k` is the row's sort key (ISO time, price, lower-cased name, or rank). */
export interface CursorPosition {
  s: ProductSort;
  k: string | number;
  id: string;
}

const KEY_TYPE: Record<ProductSort, 'string' | 'number'> = {
  NEWEST: 'string',
  PRICE_ASC: 'number',
  PRICE_DESC: 'number',
  NAME_ASC: 'string',
  RELEVANCE: 'number',
};

function isCursorPosition(value: unknown): value is CursorPosition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (!PRODUCT_SORTS.includes(v.s as ProductSort) || !isUuid(v.id)) return false;
  const sort = v.s as ProductSort;
  if (typeof v.k !== KEY_TYPE[sort]) return false;
  if (sort === 'NEWEST') return !Number.isNaN(Date.parse(v.k as string));
  if (KEY_TYPE[sort] === 'number') return Number.isFinite(v.k);
  return true;
}

export function encodeProductCursor(position: CursorPosition): string {
  return encodeCursor(position);
}

/** Decodes `after` for `sort`; a junk cursor or one from another sort order is an INVALID_INPUT error. */
export function decodeProductCursor(after: string, sort: ProductSort): CursorPosition {
  const position = decodeCursor(after, isCursorPosition);
  if (position.s !== sort) throw invalidInput('after is a cursor of another sort order.');
  return position;
}

const MAX_SEARCH_WORDS = 16;
const MAX_WORD_LENGTH = 64;

/**
 * Search text → a to_tsquery expression: every word must match, the last one also as a prefix ("red sho" → 'red &
 * sho:*'). Words are runs of letters and digits only, so nothing the user types can reach tsquery syntax. null when
 * the text has no word at all.
 */
export function toPrefixTsQuery(search: string | null | undefined): string | null {
  const words = (search ?? '').toLowerCase().match(/[\p{L}\p{N}]+/gu);
  if (!words) return null;
  const kept = words.slice(0, MAX_SEARCH_WORDS).map((w) => w.slice(0, MAX_WORD_LENGTH));
  return kept.map((w, i) => (i === kept.length - 1 ? `${w}:*` : w)).join(' & ');
}

/** RELEVANCE only means something with search words; without them the list is NEWEST (and its cursors are NEWEST's). */
export function effectiveSort(sort: ProductSort | null | undefined, tsquery: string | null): ProductSort {
  const requested = sort ?? 'NEWEST';
  return requested === 'RELEVANCE' && tsquery === null ? 'NEWEST' : requested;
}

function priceBound(raw: string | null | undefined, name: 'minPrice' | 'maxPrice'): number | null {
  if (raw === null || raw === undefined || raw.trim() === '') return null;
  const minor = parseMinorUnits(raw);
  if (minor === null) throw invalidInput(`filter.${name} must be a decimal amount with at most 2 decimals, e.g. "19.99".`);
  return minor;
}

export interface ListingQuery {
  tsquery: string | null;
  /** null: no category filter; 'none': a category id that cannot exist (not a UUID), so nothing matches. */
  categoryId: string | null;
  impossible: boolean;
  minPriceMinor: number | null;
  maxPriceMinor: number | null;
  sort: ProductSort;
  after: CursorPosition | null;
  /** Page size (the SQL asks for one more row, to tell whether a next page exists). */
  first: number;
}

/** Validates and normalizes the arguments of `products` (GraphQL errors INVALID_INPUT for malformed ones). */
export function listingQuery(args: { first: number; after?: string | null; filter?: ProductFilter | null; sortBy?: ProductSort | null }): ListingQuery {
  const filter = args.filter ?? {};
  const tsquery = toPrefixTsQuery(filter.search);
  const sort = effectiveSort(args.sortBy, tsquery);
  const minPriceMinor = priceBound(filter.minPrice, 'minPrice');
  const maxPriceMinor = priceBound(filter.maxPrice, 'maxPrice');
  const rawCategory = filter.categoryId?.trim() || null;
  return {
    tsquery,
    categoryId: rawCategory && isUuid(rawCategory) ? rawCategory.toLowerCase() : null,
    impossible: rawCategory !== null && !isUuid(rawCategory),
    minPriceMinor,
    maxPriceMinor,
    sort,
    after: args.after ? decodeProductCursor(args.after, sort) : null,
    first: args.first,
  };
}

export interface Sql {
  sql: string;
  params: unknown[];
}

const RANK = `ts_rank(p.search_vector, to_tsquery('simple', ?))`;

/** The WHERE of both the page and totalCount (without the cursor condition). */
function filterSql(q: ListingQuery): Sql {
  const where = ['p.active = true'];
  const params: unknown[] = [];
  if (q.tsquery !== null) {
    where.push(`p.search_vector @@ to_tsquery('simple', ?)`);
    params.push(q.tsquery);
  }
  if (q.categoryId !== null) {
    where.push('p.category_id = ?::uuid');
    params.push(q.categoryId);
  }
  if (q.minPriceMinor !== null) {
    where.push('p.price_minor >= ?');
    params.push(q.minPriceMinor);
  }
  if (q.maxPriceMinor !== null) {
    where.push('p.price_minor <= ?');
    params.push(q.maxPriceMinor);
  }
  return { sql: where.join(' and '), params };
}

interface SortSpec {
  /** SQL of the sort key and the type its cursor value is cast to. */
  key: string;
  cast: string;
  direction: 'asc' | 'desc';
  /** Parameters the key expression itself needs (the tsquery of the rank). */
  keyParams: (q: ListingQuery) => unknown[];
}

const SORTS: Record<ProductSort, SortSpec> = {
  NEWEST: { key: 'p.created_at', cast: 'timestamptz', direction: 'desc', keyParams: () => [] },
  PRICE_ASC: { key: 'p.price_minor', cast: 'integer', direction: 'asc', keyParams: () => [] },
  PRICE_DESC: { key: 'p.price_minor', cast: 'integer', direction: 'desc', keyParams: () => [] },
  NAME_ASC: { key: 'lower(p.name)', cast: 'text', direction: 'asc', keyParams: () => [] },
  // The row comparison recomputes the same deterministic rank, and the cursor carries the exact real value.
  RELEVANCE: { key: RANK, cast: 'real', direction: 'desc', keyParams: (q) => [q.tsquery] },
};

// Timestamps as ISO-8601 text (to_json), which JS parses exactly whatever the session time zone.
export const PRODUCT_COLUMNS =
  'p.id, p.name, p.description, p.price_minor, p.currency, p.category_id, p.image_url, p.max_per_customer, p.active, p.version, ' +
  `to_json(p.created_at) #>> '{}' as created_at, to_json(p.updated_at) #>> '{}' as updated_at`;

/** One page (ORDER BY names the selected sort_key, so the rank's tsquery parameter appears once per use): LIMIT first + 1 rows in the sort's total order (key, then id in the same direction), after the cursor. */
export function pageSql(q: ListingQuery): Sql {
  const spec = SORTS[q.sort];
  const filter = filterSql(q);
  const params: unknown[] = [...spec.keyParams(q), ...filter.params];
  let where = filter.sql;
  if (q.after) {
    const op = spec.direction === 'asc' ? '>' : '<';
    where += ` and (${spec.key}, p.id) ${op} (?::${spec.cast}, ?::uuid)`;
    params.push(...spec.keyParams(q), q.after.k, q.after.id);
  }
  params.push(q.first + 1);
  const sql =
    `select ${PRODUCT_COLUMNS}, ${spec.key} as sort_key${q.sort === 'NEWEST' ? `, to_json(p.created_at) #>> '{}' as cursor_key` : ''} ` +
    `from product p where ${where} ` +
    `order by sort_key ${spec.direction}, p.id ${spec.direction} limit ?`;
  return { sql, params };
}

export function countSql(q: ListingQuery): Sql {
  const filter = filterSql(q);
  return { sql: `select count(*)::int as n from product p where ${filter.sql}`, params: filter.params };
}

/** The cursor value of a row's sort key as the database returned it (NEWEST: the ISO text of created_at). */
export function cursorOf(sort: ProductSort, id: string, sortKey: unknown): string {
  let k: string | number;
  if (sortKey instanceof Date) k = sortKey.toISOString();
  else if (sort === 'NEWEST') k = new Date(String(sortKey)).toISOString();
  else if (typeof sortKey === 'number') k = sortKey;
  else if (KEY_TYPE[sort] === 'number') k = Number(sortKey);
  else k = String(sortKey);
  return encodeProductCursor({ s: sort, k, id });
}
