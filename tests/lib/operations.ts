// The contract's operations (schema/operations/operations.graphql) by name, for e2e tests and benchmarks: the
// documents clients send, not hand-written look-alikes.
import { readFileSync } from 'node:fs';
import { Kind, parse, print, visit, type DefinitionNode, type FragmentDefinitionNode } from 'graphql';
import { REPO_ROOT } from '../../scripts/lib/stack.ts';

const document = parse(readFileSync(`${REPO_ROOT}schema/operations/operations.graphql`, 'utf8'));
const fragments = new Map(
  document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
);

/** The named operation of the contract, with the fragments it uses (transitively), as a query string. */
export function operation(name: string): string {
  const op = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name);
  if (!op) throw new Error(`no operation ${name} in schema/operations/operations.graphql`);
  const used = new Map<string, DefinitionNode>();
  const collect = (node: DefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (fragment && !used.has(fragment.name.value)) {
          used.set(fragment.name.value, fragment);
          collect(fragment);
        }
      },
    });
  collect(op);
  return [op, ...used.values()].map((d) => print(d)).join('\n\n');
}
