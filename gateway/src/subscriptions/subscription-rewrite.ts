import {
  getOperationAST,
  GraphQLError,
  Kind,
  print,
  valueFromASTUntyped,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  OperationTypeNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type ValueNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { SubscriptionRequest } from './subscription-source.ts';

/** The subscription fields the gateway serves (subgraphs/orders/src/schema.graphql), all answered by `Query.order`. */
export const SUBSCRIPTION_FIELDS = ['orderUpdated', 'myOrderUpdates'] as const;
export type SubscriptionField = (typeof SUBSCRIPTION_FIELDS)[number];

/** The query that resolves one payload: the client's selection under `order(id: …)`, with the same response key. */
export interface OrderQuery {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
}

/** A client subscription turned into what the source needs: which feed to listen to and the query to run per event. */
export type SubscriptionPlan =
  | {
      field: 'orderUpdated';
      /** Where the order sits in each payload's `data` (the client's alias, else the field name). */
      responseKey: string;
      orderId: string;
      request: OrderQuery;
    }
  | {
      field: 'myOrderUpdates';
      responseKey: string;
      /** The query for one of the caller's orders (its id goes in a variable added by the rewrite). */
      requestFor(orderId: string): OrderQuery;
    };

export type RewriteResult = SubscriptionPlan | { errors: GraphQLError[] };

/** The variable the rewrite adds for myOrderUpdates, renamed when the client's operation already uses the name. */
export const ORDER_ID_VARIABLE = 'limitedcartOrderId';

const SUBSCRIPTION_TYPE = 'Subscription';

function refuse(code: string, message: string): { errors: GraphQLError[] } {
  return { errors: [new GraphQLError(message, { extensions: { code } })] };
}

const badRequest = (message: string) => refuse('BAD_REQUEST', message);
const invalid = (message: string) => refuse('GRAPHQL_VALIDATION_FAILED', message);

/**
 * Turns the client's subscription into a query on `order(id: …)` (DESIGN §4): the one root field (aliases, inline
 * fragments and fragment spreads on Subscription resolved) becomes `order` under the same response key with the
 * client's whole selection, its fragments and its variables, so any field of the supergraph resolves through the
 * gateway. Refuses what cannot be served: several root fields, an unknown field, directives on the root field.
 * Pure: the document is checked against the schema elsewhere (before this, when the gateway provides a validator).
 */
export function rewriteSubscription(request: SubscriptionRequest): RewriteResult {
  const { document, operationName } = request;
  const operation = getOperationAST(document, operationName);
  if (!operation) return badRequest('Unable to identify the operation to run.');
  if (operation.operation !== 'subscription') return badRequest(`Expected a subscription, got a ${operation.operation}.`);

  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }

  const roots = rootFields(operation.selectionSet, fragments);
  if ('errors' in roots) return roots;
  const byKey = new Map<string, FieldNode[]>();
  for (const field of roots.fields) {
    const key = field.alias?.value ?? field.name.value;
    byKey.set(key, [...(byKey.get(key) ?? []), field]);
  }
  const subject = operation.name ? `Subscription "${operation.name.value}"` : 'Anonymous Subscription';
  if (byKey.size !== 1) return invalid(`${subject} must select only one top level field.`);
  const [[responseKey, nodes]] = [...byKey] as [[string, FieldNode[]]];
  const name = nodes[0]!.name.value;
  if (nodes.some((node) => node.name.value !== name)) return invalid(`${subject} must select only one top level field.`);
  if (nodes.some((node) => node.directives?.length)) return badRequest('Directives are not supported on the root field of a subscription.');
  if (!(SUBSCRIPTION_FIELDS as readonly string[]).includes(name)) {
    return badRequest(`The subscription field "${name}" is not served; use one of ${SUBSCRIPTION_FIELDS.join(', ')}.`);
  }
  const selections = nodes.flatMap((node) => node.selectionSet?.selections ?? []);
  if (selections.length === 0) return invalid(`Field "${name}" of type "Order!" must have a selection of subfields.`);
  const selectionSet: SelectionSetNode = { kind: Kind.SELECTION_SET, selections };
  const variables = request.variables ?? {};

  if (name === 'orderUpdated') {
    const args = nodes[0]!.arguments ?? [];
    const idArgument = args.find((arg) => arg.name.value === 'id');
    const unknown = args.find((arg) => arg.name.value !== 'id');
    if (unknown) return invalid(`Unknown argument "${unknown.name.value}" on field "Subscription.orderUpdated".`);
    if (!idArgument) return invalid('Field "orderUpdated" argument "id" of type "ID!" is required, but it was not provided.');
    const orderId = idValue(idArgument.value, operation.variableDefinitions ?? [], variables);
    if (typeof orderId !== 'string') return orderId;
    const query = printQuery(operation, fragments, responseKey, selectionSet, args, []);
    return {
      field: 'orderUpdated',
      responseKey,
      orderId,
      request: { query, operationName: operation.name?.value, variables },
    };
  }

  const args = nodes[0]!.arguments ?? [];
  if (args.length) return invalid(`Unknown argument "${args[0]!.name.value}" on field "Subscription.myOrderUpdates".`);
  const variableName = freeVariableName(operation);
  const variableDefinition: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: variableName } },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
  };
  const idArgument = {
    kind: Kind.ARGUMENT,
    name: { kind: Kind.NAME, value: 'id' },
    value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: variableName } },
  } as const;
  const query = printQuery(operation, fragments, responseKey, selectionSet, [idArgument], [variableDefinition]);
  return {
    field: 'myOrderUpdates',
    responseKey,
    requestFor: (orderId) => ({ query, operationName: operation.name?.value, variables: { ...variables, [variableName]: orderId } }),
  };
}

/** The root fields, with inline fragments and fragment spreads on the subscription type flattened. */
function rootFields(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  seen: ReadonlySet<string> = new Set(),
): { fields: FieldNode[] } | { errors: GraphQLError[] } {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      fields.push(selection);
      continue;
    }
    if (selection.directives?.length) return badRequest('Directives are not supported on the root field of a subscription.');
    let inner: SelectionSetNode;
    let nextSeen = seen;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition?.name.value;
      if (type !== undefined && type !== SUBSCRIPTION_TYPE) return invalid(`Fragment cannot be spread here: "${type}" is not "${SUBSCRIPTION_TYPE}".`);
      inner = selection.selectionSet;
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment) return invalid(`Unknown fragment "${name}".`);
      if (seen.has(name)) return invalid(`Cannot spread fragment "${name}" within itself.`);
      const type = fragment.typeCondition.name.value;
      if (type !== SUBSCRIPTION_TYPE) return invalid(`Fragment "${name}" cannot be spread here: "${type}" is not "${SUBSCRIPTION_TYPE}".`);
      inner = fragment.selectionSet;
      nextSeen = new Set([...seen, name]);
    }
    const nested = rootFields(inner, fragments, nextSeen);
    if ('errors' in nested) return nested;
    fields.push(...nested.fields);
  }
  return { fields };
}

/** The order id an `id:` argument names: a literal, or a variable's value (or its default). */
function idValue(
  value: ValueNode,
  definitions: readonly VariableDefinitionNode[],
  variables: Record<string, unknown>,
): string | { errors: GraphQLError[] } {
  let raw: unknown;
  if (value.kind === Kind.VARIABLE) {
    const name = value.name.value;
    const definition = definitions.find((d) => d.variable.name.value === name);
    if (!definition) return invalid(`Variable "$${name}" is not defined.`);
    raw = name in variables ? variables[name] : definition.defaultValue ? valueFromASTUntyped(definition.defaultValue) : undefined;
    if (raw === undefined || raw === null) return refuse('BAD_USER_INPUT', `Variable "$${name}" of non-null type "ID!" must not be null.`);
  } else {
    raw = value.kind === Kind.STRING || value.kind === Kind.INT ? value.value : undefined;
  }
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' && Number.isInteger(raw)) return String(raw);
  return refuse('BAD_USER_INPUT', 'The argument "id" of "orderUpdated" must be an ID (a string).');
}

/** A variable name the operation does not define yet. */
function freeVariableName(operation: OperationDefinitionNode): string {
  const taken = new Set((operation.variableDefinitions ?? []).map((d) => d.variable.name.value));
  let name = ORDER_ID_VARIABLE;
  for (let i = 2; taken.has(name); i++) name = `${ORDER_ID_VARIABLE}${i}`;
  return name;
}

function printQuery(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  responseKey: string,
  selectionSet: SelectionSetNode,
  args: NonNullable<FieldNode['arguments']>,
  extraVariables: VariableDefinitionNode[],
): string {
  const field: FieldNode = {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: responseKey },
    name: { kind: Kind.NAME, value: 'order' },
    arguments: args,
    directives: [],
    selectionSet,
  };
  const query: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: OperationTypeNode.QUERY,
    name: operation.name,
    variableDefinitions: [...(operation.variableDefinitions ?? []), ...extraVariables],
    directives: operation.directives,
    selectionSet: { kind: Kind.SELECTION_SET, selections: [field] },
  };
  const used = usedFragments([field], fragments);
  const definitions = [query, ...[...fragments.values()].filter((f) => used.has(f.name.value))];
  return print({ kind: Kind.DOCUMENT, definitions } as DocumentNode);
}

/** The fragments a selection spreads, transitively (the others, e.g. those on Subscription, are left out). */
function usedFragments(selections: readonly SelectionNode[], fragments: ReadonlyMap<string, FragmentDefinitionNode>): Set<string> {
  const used = new Set<string>();
  const queue: (readonly SelectionNode[])[] = [selections];
  while (queue.length) {
    const next = queue.pop()!;
    visit({ kind: Kind.SELECTION_SET, selections: next }, {
      FragmentSpread(node) {
        const name = node.name.value;
        const fragment = fragments.get(name);
        if (used.has(name) || !fragment) return;
        used.add(name);
        queue.push(fragment.selectionSet.selections);
      },
    });
  }
  return used;
}
