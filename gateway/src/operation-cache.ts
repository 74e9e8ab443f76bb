import { createRequire } from 'node:module';
import type { DefinitionNode, DocumentNode } from 'graphql';

// @apollo/gateway's executeQueryPlan rebuilds federation's Operation of the client's operation on every request, only
// to shape the response (a read-only walk): ~10 % of the gateway's CPU per placeOrder in
// tests/bench/gateway-overhead.bench.ts. Its definitions are the nodes of Apollo Server's cached document, the same
// objects for every request with that query text, so the Operation is kept per (schema, those nodes).

type OperationFromDocument = (schema: object, document: DocumentNode, options?: { operationName?: string; validate?: boolean }) => unknown;

interface Cached {
  definitions: readonly DefinitionNode[];
  operation: unknown;
}

let installed = false;

/** Installs the cache into the federation-internals that @apollo/gateway loads (once per process). */
export function cacheResponseShapingOperations(): void {
  if (installed) return;
  installed = true;
  const load = createRequire(createRequire(import.meta.url).resolve('@apollo/gateway'));
  const operations = load('@apollo/federation-internals/dist/operations') as { operationFromDocument: OperationFromDocument };
  const build = operations.operationFromDocument;
  const bySchema = new WeakMap<object, WeakMap<DefinitionNode, Cached>>();
  operations.operationFromDocument = (schema, document, options) => {
    const first = document.definitions[0];
    // Only the response-shaping call (validate: false, no operation name): query planning goes through untouched.
    if (options?.validate !== false || options.operationName !== undefined || first?.kind !== 'OperationDefinition') return build(schema, document, options);
    let cache = bySchema.get(schema);
    if (!cache) bySchema.set(schema, (cache = new WeakMap()));
    const hit = cache.get(first);
    if (hit && sameNodes(hit.definitions, document.definitions)) return hit.operation;
    const operation = build(schema, document, options);
    cache.set(first, { definitions: [...document.definitions], operation });
    return operation;
  };
}

function sameNodes(a: readonly DefinitionNode[], b: readonly DefinitionNode[]): boolean {
  return a.length === b.length && a.every((node, i) => node === b[i]);
}
