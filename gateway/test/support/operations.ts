import { readFileSync } from 'node:fs';
import { Kind, parse, print, visit, type DefinitionNode, type DocumentNode } from 'graphql';

const CONTRACT = new URL('../../../schema/operations/operations.graphql', import.meta.url);

/** One contract operation with exactly the fragments it spreads, as a client would send it. */
export function contractOperation(name: string): string {
  const document = parse(readFileSync(CONTRACT, 'utf8'));
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name);
  if (!operation) throw new Error(`operation ${name} is not in the contract`);
  const spreads = new Set<string>();
  visit(operation, { FragmentSpread: (spread) => void spreads.add(spread.name.value) });
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION && spreads.has(d.name.value));
  return print({ kind: Kind.DOCUMENT, definitions: [operation, ...fragments] as DefinitionNode[] } as DocumentNode);
}

/** `{ node { child { … { id } } } }` with a selection depth of exactly `depth` (≥ 2). */
export function deepQuery(depth: number): string {
  return `{ node { ${'child { '.repeat(depth - 2)}id${' }'.repeat(depth - 2)} } }`;
}

/** `n` aliased root fields. */
export function aliasedQuery(n: number): string {
  return `{ ${Array.from({ length: n }, (_, i) => `a${i}: node { id }`).join(' ')} }`;
}

/** A valid query of exactly `length` characters (padded with a comment). */
export function queryOfLength(length: number): string {
  const base = '{ echo { correlationId } }\n';
  if (length < base.length + 1) throw new Error('too short');
  return `${base}#${'x'.repeat(length - base.length - 1)}`;
}
