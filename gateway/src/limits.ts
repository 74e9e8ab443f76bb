import type { IncomingMessage } from 'node:http';
import type { GraphQLArmorConfig } from '@escape.tech/graphql-armor-types';
import { GraphQLError, type ParseOptions } from 'graphql';

/**
 * The contract's limits ("Limits" in contract/README.md) plus the armor protections we keep on. Every other armor
 * default is set here explicitly, sized so the largest contract operation passes with a wide margin
 * (gateway/src/limits.spec.ts checks every contract operation against these numbers).
 */
export const LIMITS = {
  /** Selection depth: `{ a { b } }` is 2; fragments do not add a level of their own. */
  maxDepth: 12,
  /** Aliased fields per operation (fragments counted where they are spread). */
  maxAliases: 15,
  /** Characters of query text, checked before anything parses it. */
  maxQueryChars: 10_000,
  /** Lexer tokens, enforced by graphql-js's own parser (a parse error, before validation). */
  maxTokens: 3_000,
  maxDirectives: 50,
  /** armor cost units: the Order query costs ~141, a Products query with a literal `first: 100` ~9,100 (armor multiplies by `first`). */
  maxCost: 50_000,
} as const;

/** The code every limit refusal carries (armor's validation rules surface as this code through Apollo). */
export const LIMIT_ERROR_CODE = 'GRAPHQL_VALIDATION_FAILED';

export function armorConfig(production: boolean): GraphQLArmorConfig {
  return {
    maxDepth: { n: LIMITS.maxDepth, flattenFragments: true, ignoreIntrospection: true, exposeLimits: true },
    maxAliases: { n: LIMITS.maxAliases, exposeLimits: true },
    maxDirectives: { n: LIMITS.maxDirectives, exposeLimits: true },
    costLimit: { maxCost: LIMITS.maxCost, flattenFragments: true, ignoreIntrospection: true, exposeLimits: true },
    // armor's Apollo token limit throws from parsingDidStart, which Apollo answers with a 500 and which also rewrites
    // every unexpected error as a validation failure; graphql-js enforces the same bound cleanly (parseOptions).
    maxTokens: { enabled: false },
    // "Did you mean …" only leaks schema where introspection is already off.
    blockFieldSuggestion: { enabled: production },
  };
}

export const parseOptions: ParseOptions = { maxTokens: LIMITS.maxTokens };

export function queryTooLongError(length: number): GraphQLError {
  return new GraphQLError(`Query text is ${length} characters; the limit is ${LIMITS.maxQueryChars}.`, {
    extensions: { code: LIMIT_ERROR_CODE, http: { status: 400 } },
  });
}

/** The query text's length if it is over the limit, else undefined. */
export function overLongQuery(query: unknown): number | undefined {
  return typeof query === 'string' && query.length > LIMITS.maxQueryChars ? query.length : undefined;
}

/**
 * The character limit for HTTP requests, before Apollo parses anything (an Apollo plugin cannot refuse a request
 * before parsing without Apollo turning it into a 500). A JSON body no longer than the limit cannot carry a longer
 * query, so only bigger bodies are parsed here; malformed JSON is left to the handler (400). Persisted-query hashes
 * need no check: Apollo only stores a query that came in as text, and that text passed here.
 */
export function overLongHttpQuery(req: IncomingMessage, body: Buffer): number | undefined {
  if (req.method === 'GET') {
    const url = req.url ?? '';
    const search = url.includes('?') ? url.slice(url.indexOf('?')) : '';
    return overLongQuery(new URLSearchParams(search).get('query'));
  }
  // Only a JSON body reaches Apollo as an operation; anything else is refused there (400).
  if (body.length <= LIMITS.maxQueryChars || !(req.headers['content-type'] ?? '').includes('json')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined; // malformed JSON: the handler answers 400
  }
  const requests = Array.isArray(parsed) ? parsed : [parsed];
  for (const request of requests) {
    const length = overLongQuery((request as { query?: unknown } | null)?.query);
    if (length !== undefined) return length;
  }
  return undefined;
}
