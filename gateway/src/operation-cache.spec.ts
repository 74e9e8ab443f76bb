import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse, type DocumentNode } from 'graphql';
import { cacheResponseShapingOperations } from './operation-cache.ts';

const load = createRequire(createRequire(import.meta.url).resolve('@apollo/gateway'));
const internals = load('@apollo/federation-internals') as {
  buildSchema(sdl: string): object;
  operationFromDocument(schema: object, document: DocumentNode, options?: { validate?: boolean; operationName?: string }): unknown;
};

describe('response-shaping operation cache', () => {
  cacheResponseShapingOperations();
  const schema = internals.buildSchema('type Query { a: Int, b(x: Int): Int }');
  const doc = parse('query Q($x: Int) { a b(x: $x) ...F } fragment F on Query { a }');
  // What executeQueryPlan passes: a new document object each time, over the cached document's own nodes.
  const shaping = () => ({ kind: 'Document', definitions: [...doc.definitions] }) as DocumentNode;

  it('builds the Operation of a cached document once, through the export @apollo/gateway calls', () => {
    const first = internals.operationFromDocument(schema, shaping(), { validate: false });
    expect(internals.operationFromDocument(schema, shaping(), { validate: false })).toBe(first);
    expect(String(first)).toContain('b(x: $x)');
  });

  it('builds anew for other nodes (another query text, other fragments) and never caches query planning', () => {
    const first = internals.operationFromDocument(schema, shaping(), { validate: false });
    const reparsed = parse('query Q($x: Int) { a b(x: $x) ...F } fragment F on Query { a }');
    expect(internals.operationFromDocument(schema, { ...reparsed }, { validate: false })).not.toBe(first);
    const otherFragments = { kind: 'Document', definitions: [doc.definitions[0]!, ...parse('fragment F on Query { b }').definitions] } as DocumentNode;
    expect(internals.operationFromDocument(schema, otherFragments, { validate: false })).not.toBe(first);
    expect(internals.operationFromDocument(schema, doc)).not.toBe(internals.operationFromDocument(schema, doc));
  });
});
