import { describe, expect, it } from 'vitest';
import { composeSupergraph } from './supergraph-compose.ts';
import { checkOperations, parseNotYetServed } from './supergraph-operations.ts';
import type { OperationSource } from './supergraph-operations.ts';
import { accountsSdl, catalogSdl, source } from './supergraph-test-sdl.ts';

function apiSchemaOf(...sources: ReturnType<typeof source>[]) {
  const outcome = composeSupergraph(sources);
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return { schema: outcome.apiSchema, subgraphs: outcome.subgraphs };
}

// Accounts alone is today's state; catalog arrives later and serves Products and Favourites.
const accountsOnly = apiSchemaOf(source('accounts', accountsSdl));
const both = apiSchemaOf(source('accounts', accountsSdl), source('catalog', catalogSdl, 4002));

const operations: OperationSource[] = [
  {
    file: 'ops.graphql',
    text: `
      fragment ProductFields on Product { id name }
      fragment UserFields on User { id email }
      query Me { me { ...UserFields } }
      query Products { products { ...ProductFields } }
      query Favourites { me { ...UserFields favourites { ...ProductFields } } }
    `,
  },
];

describe('checkOperations', () => {
  it('validates each operation with the fragments it uses from its file', () => {
    const result = checkOperations(both.schema, operations, new Map(), both.subgraphs);
    expect(result).toEqual({ validated: ['Me', 'Products', 'Favourites'], pending: [], failures: [], warnings: [] });
  });

  it('fails an operation that does not validate and is not listed as not yet served', () => {
    const result = checkOperations(accountsOnly.schema, operations, new Map([['Products', ['catalog']]]), accountsOnly.subgraphs);
    expect(result.validated).toEqual(['Me']);
    expect(result.pending).toEqual([{ name: 'Products', waitingFor: ['catalog'] }]);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatch(/^Favourites does not validate[\s\S]*ops\.graphql:\d+:\d+ .*favourites/);
  });

  it('excuses not-yet-served operations while one of their subgraphs is missing', () => {
    const notYetServed = new Map([
      ['Products', ['catalog']],
      ['Favourites', ['catalog']],
    ]);
    const result = checkOperations(accountsOnly.schema, operations, notYetServed, accountsOnly.subgraphs);
    expect(result.failures).toEqual([]);
    expect(result.validated).toEqual(['Me']);
    expect(result.pending.map((p) => p.name)).toEqual(['Products', 'Favourites']);
  });

  it('fails a not-yet-served operation that validates now, so the list cannot go stale', () => {
    const result = checkOperations(both.schema, operations, new Map([['Products', ['catalog']]]), both.subgraphs);
    expect(result.failures).toEqual(['Products validates now: remove it from schema/operations/not-yet-served.json']);
    expect(result.validated).toEqual(['Me', 'Favourites']);
  });

  it('fails a not-yet-served operation whose subgraphs are all composed but which still does not validate', () => {
    const broken: OperationSource[] = [{ file: 'b.graphql', text: 'query Broken { products { id price } }' }];
    const result = checkOperations(both.schema, broken, new Map([['Broken', ['catalog']]]), both.subgraphs);
    expect(result.pending).toEqual([]);
    expect(result.failures[0]).toMatch(/^Broken is in .* waiting for catalog, which are all composed now[\s\S]*price/);
  });

  it('fails entries that name no operation', () => {
    const result = checkOperations(both.schema, operations, new Map([['Gone', ['catalog']]]), both.subgraphs);
    expect(result.failures).toEqual([
      'schema/operations/not-yet-served.json lists Gone, which is not an operation in schema/operations',
    ]);
  });

  it('fails a subscription when the schema has no Subscription type', () => {
    const subscription: OperationSource[] = [{ file: 's.graphql', text: 'subscription Live { me { id } }' }];
    const result = checkOperations(both.schema, subscription, new Map(), both.subgraphs);
    expect(result.failures).toEqual([expect.stringMatching(/does not support subscription operations/)]);
  });

  it('fails anonymous and duplicate operations and syntax errors, and warns about unused fragments', () => {
    const sources: OperationSource[] = [
      { file: 'a.graphql', text: 'query Me { me { id } }\n{ me { id } }\nfragment Unused on User { id }' },
      { file: 'b.graphql', text: 'query Me { me { email } }' },
      { file: 'c.graphql', text: 'query {' },
    ];
    const result = checkOperations(both.schema, sources, new Map(), both.subgraphs);
    expect(result.validated).toEqual(['Me']);
    expect(result.failures).toEqual([
      expect.stringMatching(/^a\.graphql: every operation needs a name/),
      'b.graphql: operation Me is also defined in a.graphql',
      expect.stringMatching(/^c\.graphql: Syntax Error/),
    ]);
    expect(result.warnings).toEqual(['a.graphql: fragment Unused is not used by any operation']);
  });
});

describe('parseNotYetServed', () => {
  it('reads operation names with their subgraphs, accepting a single subgraph as a string', () => {
    const parsed = parseNotYetServed('{"$comment":"x","operations":{"Products":["products","inventory"],"PayOrder":"payments"}}');
    expect([...parsed]).toEqual([
      ['Products', ['products', 'inventory']],
      ['PayOrder', ['payments']],
    ]);
  });

  it('rejects entries without a subgraph and files without an operations object', () => {
    expect(() => parseNotYetServed('{"operations":{"Products":[]}}')).toThrow(/Products must list the subgraph/);
    expect(() => parseNotYetServed('["Products"]')).toThrow(/expected \{ "operations"/);
  });
});
