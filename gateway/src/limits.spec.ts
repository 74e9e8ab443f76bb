import type { IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { buildSchema, Kind, parse, print, validate, type DefinitionNode, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { armorConfig, LIMITS, overLongHttpQuery, parseOptions } from './limits.ts';

const contract = parse(readFileSync(new URL('../../schema/operations/operations.graphql', import.meta.url), 'utf8'));
const fragments = contract.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
const operations = contract.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);

// The armor rules only walk the operation (they never look types up), so any schema will do.
const anySchema = buildSchema('type Query { _: Int }');
const config = armorConfig(true);
const rules = [
  maxDepthRule({ ...config.maxDepth, propagateOnRejection: false, onReject: [(_ctx, error) => refusals.push(error.message)] }),
  maxAliasesRule({ ...config.maxAliases, propagateOnRejection: false, onReject: [(_ctx, error) => refusals.push(error.message)] }),
  costLimitRule({ ...config.costLimit, propagateOnRejection: false, onReject: [(_ctx, error) => refusals.push(error.message)] }),
  maxDirectivesRule({ ...config.maxDirectives, propagateOnRejection: false, onReject: [(_ctx, error) => refusals.push(error.message)] }),
];
let refusals: string[] = [];

function refusalsFor(text: string): string[] {
  refusals = [];
  validate(anySchema, parse(text, parseOptions), rules);
  return refusals;
}

function source(operation: DefinitionNode, inlineFirst = false): string {
  const text = print({ kind: Kind.DOCUMENT, definitions: [operation, ...fragments] } as DocumentNode);
  // Clients may also write page sizes inline; armor multiplies the cost by a literal `first`.
  return inlineFirst ? text.replace(/first: \$first/g, 'first: 100') : text;
}

describe('limits vs the client contract', () => {
  it('covers every contract operation', () => {
    expect(operations.length).toBeGreaterThan(20);
  });

  for (const operation of operations) {
    const name = operation.kind === Kind.OPERATION_DEFINITION ? operation.name?.value : '?';
    it(`${name} passes every limit (also with a literal first: 100)`, () => {
      for (const text of [source(operation), source(operation, true)]) {
        expect(text.length).toBeLessThanOrEqual(LIMITS.maxQueryChars);
        expect(refusalsFor(text)).toEqual([]);
      }
    });
  }

  it('the rules do refuse what the contract forbids', () => {
    const deep = `{ a ${'{ a '.repeat(12)}${'}'.repeat(12)} }`;
    expect(refusalsFor(deep)).toEqual([expect.stringMatching(/depth limit of 12 exceeded, found 13/)]);
    const aliases = `{ ${Array.from({ length: 16 }, (_, i) => `x${i}: a`).join(' ')} }`;
    expect(refusalsFor(aliases)).toEqual([expect.stringMatching(/Aliases limit of 15 exceeded, found 16/)]);
    expect(() => parse(`{ ${'a '.repeat(LIMITS.maxTokens)}}`, parseOptions)).toThrow(/tokens/);
  });
});

describe('overLongHttpQuery', () => {
  const post = { method: 'POST', headers: { 'content-type': 'application/json' } } as unknown as IncomingMessage;
  const body = (value: unknown) => Buffer.from(JSON.stringify(value));

  it('measures the query in a JSON body', () => {
    expect(overLongHttpQuery(post, body({ query: 'x'.repeat(10_000) }))).toBeUndefined();
    expect(overLongHttpQuery(post, body({ query: 'x'.repeat(10_001) }))).toBe(10_001);
    expect(overLongHttpQuery(post, body([{ query: '{a}' }, { query: 'x'.repeat(20_000) }]))).toBe(20_000);
  });

  it('leaves small bodies, large variables and malformed JSON to the GraphQL handler', () => {
    expect(overLongHttpQuery(post, body({ query: '{a}', variables: { pad: 'x'.repeat(50_000) } }))).toBeUndefined();
    expect(overLongHttpQuery(post, Buffer.from(`{"query": "${'x'.repeat(20_000)}`))).toBeUndefined();
  });

  it('measures the query of a GET request', () => {
    const get = (query: string) => ({ method: 'GET', url: `/graphql?query=${encodeURIComponent(query)}`, headers: {} }) as unknown as IncomingMessage;
    expect(overLongHttpQuery(get('{a}'), Buffer.alloc(0))).toBeUndefined();
    expect(overLongHttpQuery(get('x'.repeat(10_001)), Buffer.alloc(0))).toBe(10_001);
  });
});
