import { invalidInput } from './errors.ts';

/** A Relay connection as the contract shapes lists. */
export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** `first` is 1–100 (default 20); anything else is a GraphQL error with code INVALID_INPUT. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw invalidInput(`first must be between 1 and ${MAX_PAGE_SIZE}.`);
  }
  return first;
}

/** Cursors are opaque to clients: base64url of a small JSON value (the keyset position). */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** Decodes a cursor, or throws INVALID_INPUT; `isValid` checks the shape the caller expects. */
export function decodeCursor<T>(cursor: string, isValid: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidInput('after is not a valid cursor.');
  }
  if (!isValid(value)) throw invalidInput('after is not a valid cursor.');
  return value;
}

/**
 * Builds a forward page from `rows` fetched with LIMIT first + 1 (the extra row only says there is a next page).
 */
export function connectionFromRows<R, T>(
  rows: R[],
  first: number,
  hasPrevious: boolean,
  totalCount: number,
  cursorOf: (row: R) => string,
  toNode: (row: R) => T,
): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((row) => ({ cursor: cursorOf(row), node: toNode(row) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: hasPrevious,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}
