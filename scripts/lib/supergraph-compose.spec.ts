import { describe, expect, it } from 'vitest';
import { buildSchema, lexicographicSortSchema, printSchema } from './supergraph-graphql.ts';
import type { GraphQLSchema } from 'graphql';
import {
  SUPERGRAPH_HEADER,
  apiSchemaFromSupergraphSdl,
  composeSupergraph,
  staleSupergraphReason,
} from './supergraph-compose.ts';
import { accountsSdl, catalogSdl, source } from './supergraph-test-sdl.ts';

const sorted = (schema: GraphQLSchema): string => printSchema(lexicographicSortSchema(schema));

describe('composeSupergraph', () => {
  it('composes two subgraphs into a supergraph SDL and the client-facing API schema', () => {
    const outcome = composeSupergraph([source('accounts', accountsSdl, 4001), source('catalog', catalogSdl, 4002)]);
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    expect(outcome.subgraphs).toEqual(['accounts', 'catalog']);
    expect(outcome.supergraphSdl.startsWith(SUPERGRAPH_HEADER)).toBe(true);
    expect(outcome.supergraphSdl).toContain('@join__graph(name: "catalog", url: "http://127.0.0.1:4002/graphql")');
    // The gateway accepts what compose writes: rebuilding it yields the same API schema.
    expect(sorted(apiSchemaFromSupergraphSdl(outcome.supergraphSdl))).toBe(sorted(outcome.apiSchema));

    const user = outcome.apiSchema.getType('User');
    expect(user && 'getFields' in user ? Object.keys(user.getFields()).sort() : []).toEqual(['email', 'favourites', 'id']);
    expect(outcome.apiSchema.getType('join__Graph')).toBeUndefined();
    expect(outcome.apiSchema.getMutationType()?.getFields()['archiveProduct']).toBeDefined();
  });

  it('produces identical bytes whatever the order of the subgraphs', () => {
    const a = composeSupergraph([source('accounts', accountsSdl, 4001), source('catalog', catalogSdl, 4002)]);
    const b = composeSupergraph([source('catalog', catalogSdl, 4002), source('accounts', accountsSdl, 4001)]);
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) expect(b.supergraphSdl).toBe(a.supergraphSdl);
  });

  it('reports composition errors of incompatible subgraphs', () => {
    // Both subgraphs define User.email with different types and neither marks it @shareable.
    const broken = catalogSdl.replace('favourites: [Product!]!', 'favourites: [Product!]!\n  email: Int');
    const outcome = composeSupergraph([source('accounts', accountsSdl), source('catalog', broken)]);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.errors.join('\n')).toMatch(/User\.email/);
  });

  it('reports an SDL syntax error with the subgraph it came from', () => {
    const outcome = composeSupergraph([source('accounts', accountsSdl), source('catalog', 'type Query {')]);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.errors).toEqual([expect.stringMatching(/^\[catalog\] catalog\.graphql: .*Syntax Error/)]);
  });

  it('refuses to compose nothing', () => {
    expect(composeSupergraph([])).toEqual({ ok: false, errors: ['no subgraphs to compose'] });
  });
});

describe('staleSupergraphReason', () => {
  const fresh = composeSupergraph([source('accounts', accountsSdl)]);
  if (!fresh.ok) throw new Error(fresh.errors.join('\n'));

  it('accepts a committed supergraph identical to a fresh composition', () => {
    expect(staleSupergraphReason(fresh.supergraphSdl, fresh.supergraphSdl)).toBeUndefined();
  });

  it('detects a committed supergraph that no longer matches the subgraphs', () => {
    const changed = composeSupergraph([source('accounts', accountsSdl), source('catalog', catalogSdl, 4002)]);
    if (!changed.ok) throw new Error(changed.errors.join('\n'));
    expect(staleSupergraphReason(fresh.supergraphSdl, changed.supergraphSdl)).toMatch(/run npm run compose/);
  });

  it('detects a missing supergraph file', () => {
    expect(staleSupergraphReason(undefined, fresh.supergraphSdl)).toMatch(/does not exist: run npm run compose/);
  });
});

describe('apiSchemaFromSupergraphSdl', () => {
  it('drops @inaccessible fields', () => {
    const outcome = composeSupergraph([source('accounts', accountsSdl)]);
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    expect(outcome.supergraphSdl).toContain('passwordHash');
    const expected = buildSchema('type Query { me: User } type User { id: ID! email: String! }');
    expect(sorted(apiSchemaFromSupergraphSdl(outcome.supergraphSdl))).toBe(sorted(expected));
  });
});
