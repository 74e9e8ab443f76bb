// Validates the client operations (schema/operations/*.graphql) against the supergraph's API schema.
// Operations whose subgraphs do not exist yet are excused only while they are listed in
// not-yet-served.json AND one of their listed subgraphs is still missing, so the list cannot go stale.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLError, Kind, parse, specifiedRules, validate, visit } from './supergraph-graphql.ts';
import type {
  DefinitionNode,
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLSchema,
  OperationDefinitionNode,
  ValidationContext,
  ValidationRule,
} from 'graphql';

export interface OperationSource {
  /** Display name, e.g. `schema/operations/operations.graphql`. */
  file: string;
  text: string;
}

/** Operation name → the subgraphs that must all be composed before it can validate. */
export type NotYetServed = ReadonlyMap<string, readonly string[]>;

export interface PendingOperation {
  name: string;
  /** Listed subgraphs that are not composed yet. */
  waitingFor: string[];
}

export interface OperationCheckResult {
  validated: string[];
  pending: PendingOperation[];
  failures: string[];
  warnings: string[];
}

export const NOT_YET_SERVED_FILE = 'schema/operations/not-yet-served.json';

/** Every `*.graphql` file in `dir`, sorted by name; `displayDir` prefixes the file names in messages. */
export function readOperationSources(dir: string, displayDir = dir): OperationSource[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => ({ file: `${displayDir}/${name}`, text: readFileSync(join(dir, name), 'utf8') }));
}

/**
 * Parses not-yet-served.json: `{ "operations": { "<OperationName>": ["<subgraph>", ...] } }`.
 * A single subgraph may be given as a string. Other top-level keys (such as `$comment`) are ignored.
 */
export function parseNotYetServed(jsonText: string): NotYetServed {
  const doc: unknown = JSON.parse(jsonText);
  const operations =
    typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>)['operations'] : undefined;
  if (typeof operations !== 'object' || operations === null || Array.isArray(operations)) {
    throw new Error(`${NOT_YET_SERVED_FILE}: expected { "operations": { "<OperationName>": ["<subgraph>"] } }`);
  }
  const result = new Map<string, readonly string[]>();
  for (const [name, value] of Object.entries(operations as Record<string, unknown>)) {
    const subgraphs = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(subgraphs) || subgraphs.length === 0 || !subgraphs.every((s) => typeof s === 'string' && s !== '')) {
      throw new Error(`${NOT_YET_SERVED_FILE}: ${name} must list the subgraph(s) that will serve it`);
    }
    result.set(name, subgraphs as string[]);
  }
  return result;
}

interface ParsedOperation {
  name: string;
  file: string;
  node: OperationDefinitionNode;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
}

function spreadNames(node: DefinitionNode): string[] {
  const names: string[] = [];
  visit(node, {
    FragmentSpread(spread) {
      names.push(spread.name.value);
    },
  });
  return names;
}

/** The operation plus every fragment it reaches, transitively; unknown spreads are left for `validate` to report. */
function documentFor(operation: ParsedOperation): { document: DocumentNode; used: Set<string> } {
  const used = new Set<string>();
  const queue = spreadNames(operation.node);
  const definitions: DefinitionNode[] = [operation.node];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    const fragment = operation.fragments.get(name);
    if (used.has(name) || fragment === undefined) continue;
    used.add(name);
    definitions.push(fragment);
    queue.push(...spreadNames(fragment));
  }
  return { document: { kind: Kind.DOCUMENT, definitions }, used };
}

/**
 * graphql 16's specified rules skip the fields of an operation whose root type the schema lacks, so a
 * subscription against a schema without `Subscription` would pass; graphql 17 adds this rule itself.
 */
export const KnownOperationTypesRule: ValidationRule = (context: ValidationContext) => ({
  OperationDefinition(node) {
    if (context.getSchema().getRootType(node.operation) === undefined) {
      context.reportError(
        new GraphQLError(`The schema does not support ${node.operation} operations.`, { nodes: node }),
      );
    }
  },
});

const operationRules: readonly ValidationRule[] = [...specifiedRules, KnownOperationTypesRule];

function formatValidationError(error: GraphQLError, file: string): string {
  const location = error.locations?.[0];
  return location ? `${file}:${location.line}:${location.column} ${error.message}` : `${file}: ${error.message}`;
}

function collectOperations(sources: readonly OperationSource[], result: OperationCheckResult): ParsedOperation[] {
  const operations: ParsedOperation[] = [];
  const seen = new Map<string, string>();
  for (const source of sources) {
    let document: DocumentNode;
    try {
      document = parse(source.text);
    } catch (error) {
      result.failures.push(`${source.file}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const fragments = new Map<string, FragmentDefinitionNode>();
    const fileOperations: OperationDefinitionNode[] = [];
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        if (fragments.has(definition.name.value)) {
          result.failures.push(`${source.file}: fragment ${definition.name.value} is defined twice`);
        }
        fragments.set(definition.name.value, definition);
      } else if (definition.kind === Kind.OPERATION_DEFINITION) {
        fileOperations.push(definition);
      } else {
        result.failures.push(`${source.file}: only operations and fragments belong here (found ${definition.kind})`);
      }
    }
    const usedFragments = new Set<string>();
    for (const node of fileOperations) {
      const name = node.name?.value;
      if (name === undefined) {
        result.failures.push(`${source.file}: every operation needs a name (an anonymous ${node.operation} was found)`);
        continue;
      }
      const previous = seen.get(name);
      if (previous !== undefined) {
        result.failures.push(`${source.file}: operation ${name} is also defined in ${previous}`);
        continue;
      }
      seen.set(name, source.file);
      const operation = { name, file: source.file, node, fragments };
      operations.push(operation);
      for (const used of documentFor(operation).used) usedFragments.add(used);
    }
    for (const name of fragments.keys()) {
      if (!usedFragments.has(name)) result.warnings.push(`${source.file}: fragment ${name} is not used by any operation`);
    }
  }
  return operations;
}

/**
 * Validates each operation (with the fragments it uses from its file) against `apiSchema`.
 * `composedSubgraphs` are the subgraphs in the current composition: a not-yet-served operation whose
 * listed subgraphs are all composed must validate.
 */
export function checkOperations(
  apiSchema: GraphQLSchema,
  sources: readonly OperationSource[],
  notYetServed: NotYetServed,
  composedSubgraphs: readonly string[],
): OperationCheckResult {
  const result: OperationCheckResult = { validated: [], pending: [], failures: [], warnings: [] };
  const operations = collectOperations(sources, result);
  const composed = new Set(composedSubgraphs);

  for (const operation of operations) {
    const errors = validate(apiSchema, documentFor(operation).document, operationRules);
    const listed = notYetServed.get(operation.name);
    if (errors.length === 0) {
      if (listed === undefined) result.validated.push(operation.name);
      else result.failures.push(`${operation.name} validates now: remove it from ${NOT_YET_SERVED_FILE}`);
      continue;
    }
    const details = errors.map((error) => `    ${formatValidationError(error, operation.file)}`).join('\n');
    if (listed === undefined) {
      result.failures.push(`${operation.name} does not validate against the supergraph:\n${details}`);
      continue;
    }
    const waitingFor = listed.filter((subgraph) => !composed.has(subgraph));
    if (waitingFor.length > 0) {
      result.pending.push({ name: operation.name, waitingFor });
    } else {
      result.failures.push(
        `${operation.name} is in ${NOT_YET_SERVED_FILE} waiting for ${listed.join(', ')}, ` +
          `which are all composed now, but it does not validate:\n${details}`,
      );
    }
  }

  const known = new Set(operations.map((operation) => operation.name));
  for (const name of notYetServed.keys()) {
    if (!known.has(name)) result.failures.push(`${NOT_YET_SERVED_FILE} lists ${name}, which is not an operation in schema/operations`);
  }
  return result;
}
