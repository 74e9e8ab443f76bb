import { buildSchema, parse, print, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ORDERS_API_SDL } from '../../test/support/fake-orders.ts';
import { rewriteSubscription, type RewriteResult, type SubscriptionPlan } from './subscription-rewrite.ts';

const schema = buildSchema(ORDERS_API_SDL);

function rewrite(query: string, variables?: Record<string, unknown>, operationName?: string): RewriteResult {
  return rewriteSubscription({ query, document: parse(query), operationName, variables });
}

function plan(query: string, variables?: Record<string, unknown>, operationName?: string): SubscriptionPlan {
  const result = rewrite(query, variables, operationName);
  if ('errors' in result) throw new Error(`refused: ${result.errors.map((e) => e.message).join('; ')}`);
  return result;
}

/** The rewritten query, normalised, after checking it is a valid query on the schema. */
function queryOf(p: SubscriptionPlan, orderId = 'o1'): string {
  const request = p.field === 'orderUpdated' ? p.request : p.requestFor(orderId);
  expect(validate(schema, parse(request.query))).toEqual([]);
  return request.query;
}

const normal = (query: string) => print(parse(query));

function refusal(result: RewriteResult): { code: unknown; message: string }[] {
  if (!('errors' in result)) throw new Error('expected a refusal');
  return result.errors.map((e) => ({ code: e.extensions.code, message: e.message }));
}

describe('rewriteSubscription: orderUpdated', () => {
  it('runs the contract operation as a query on order(id) under the same response key, with its variables', () => {
    const p = plan(
      `subscription OrderUpdated($id: ID!) {
        orderUpdated(id: $id) { id status items { quantity product { id name } } payment { status } }
      }`,
      { id: 'o-42' },
    );
    expect(p).toMatchObject({ field: 'orderUpdated', responseKey: 'orderUpdated', orderId: 'o-42' });
    if (p.field !== 'orderUpdated') throw new Error('unreachable');
    expect(p.request.operationName).toBe('OrderUpdated');
    expect(p.request.variables).toEqual({ id: 'o-42' });
    expect(queryOf(p)).toBe(
      normal(`query OrderUpdated($id: ID!) {
        orderUpdated: order(id: $id) { id status items { quantity product { id name } } payment { status } }
      }`),
    );
  });

  it('keeps the alias as the response key and takes a literal id', () => {
    const p = plan('subscription { live: orderUpdated(id: "o-1") { status } }');
    expect(p).toMatchObject({ responseKey: 'live', orderId: 'o-1' });
    expect(queryOf(p)).toBe(normal('{ live: order(id: "o-1") { status } }'));
  });

  it('flattens root fragments (spread and inline) and keeps only the fragments the selection uses', () => {
    const p = plan(
      `subscription Watch($id: ID!) { ...Root }
       fragment Root on Subscription { ... on Subscription { orderUpdated(id: $id) { ...OrderFields } } }
       fragment OrderFields on Order { id ...Customer }
       fragment Customer on Order { customer { email } }`,
      { id: 'o-7' },
    );
    expect(p).toMatchObject({ responseKey: 'orderUpdated', orderId: 'o-7' });
    expect(queryOf(p)).toBe(
      normal(`query Watch($id: ID!) { orderUpdated: order(id: $id) { ...OrderFields } }
        fragment OrderFields on Order { id ...Customer }
        fragment Customer on Order { customer { email } }`),
    );
  });

  it('merges the same field selected twice under one response key', () => {
    const p = plan('subscription { orderUpdated(id: "o") { id } orderUpdated(id: "o") { status } }');
    expect(queryOf(p)).toBe(normal('{ orderUpdated: order(id: "o") { id status } }'));
  });

  it('uses a variable default when the variable is not given, and reads integer ids as strings', () => {
    expect(plan('subscription ($id: ID! = "o-default") { orderUpdated(id: $id) { id } }', {})).toMatchObject({ orderId: 'o-default' });
    expect(plan('subscription ($id: ID!) { orderUpdated(id: $id) { id } }', { id: 42 })).toMatchObject({ orderId: '42' });
    expect(plan('subscription { orderUpdated(id: 42) { id } }')).toMatchObject({ orderId: '42' });
  });

  it('picks the named operation of a document with several', () => {
    const p = plan(
      `query Other { order(id: "x") { id } }
       subscription A { a: orderUpdated(id: "a") { id } }
       subscription B { b: orderUpdated(id: "b") { id } }`,
      undefined,
      'B',
    );
    expect(p).toMatchObject({ responseKey: 'b', orderId: 'b' });
    expect(queryOf(p)).toBe(normal('query B { b: order(id: "b") { id } }'));
  });
});

describe('rewriteSubscription: myOrderUpdates', () => {
  it('adds a variable for the order id and keeps the client variables', () => {
    const p = plan('subscription Mine($withItems: Boolean!) { mine: myOrderUpdates { id items @include(if: $withItems) { quantity } } }', {
      withItems: true,
    });
    expect(p).toMatchObject({ field: 'myOrderUpdates', responseKey: 'mine' });
    if (p.field !== 'myOrderUpdates') throw new Error('unreachable');
    expect(p.requestFor('o-9')).toMatchObject({ operationName: 'Mine', variables: { withItems: true, limitedcartOrderId: 'o-9' } });
    expect(queryOf(p, 'o-9')).toBe(
      normal(`query Mine($withItems: Boolean!, $limitedcartOrderId: ID!) {
        mine: order(id: $limitedcartOrderId) { id items @include(if: $withItems) { quantity } }
      }`),
    );
  });

  it('names the variable so it cannot clash with the client variables', () => {
    const p = plan(
      'subscription ($limitedcartOrderId: Boolean!, $limitedcartOrderId2: Boolean!) { myOrderUpdates { id @include(if: $limitedcartOrderId) status @skip(if: $limitedcartOrderId2) } }',
      { limitedcartOrderId: true, limitedcartOrderId2: false },
    );
    if (p.field !== 'myOrderUpdates') throw new Error('unreachable');
    expect(p.requestFor('o-1').variables).toEqual({ limitedcartOrderId: true, limitedcartOrderId2: false, limitedcartOrderId3: 'o-1' });
    expect(queryOf(p)).toContain('myOrderUpdates: order(id: $limitedcartOrderId3)');
  });
});

describe('rewriteSubscription: refusals', () => {
  it('refuses several root fields', () => {
    expect(refusal(rewrite('subscription S { orderUpdated(id: "o") { id } myOrderUpdates { id } }'))).toEqual([
      { code: 'GRAPHQL_VALIDATION_FAILED', message: 'Subscription "S" must select only one top level field.' },
    ]);
    expect(refusal(rewrite('subscription { a: myOrderUpdates { id } b: myOrderUpdates { id } }'))).toEqual([
      { code: 'GRAPHQL_VALIDATION_FAILED', message: 'Anonymous Subscription must select only one top level field.' },
    ]);
  });

  it('refuses fields it does not serve', () => {
    for (const query of ['subscription { ticks }', 'subscription { __typename }', 'subscription { x: productUpdated(id: "p") { id } }']) {
      expect(refusal(rewrite(query))).toEqual([{ code: 'BAD_REQUEST', message: expect.stringMatching(/is not served; use one of orderUpdated, myOrderUpdates/) }]);
    }
  });

  it('refuses directives on the root field and on root fragments', () => {
    for (const query of [
      'subscription ($s: Boolean!) { myOrderUpdates @skip(if: $s) { id } }',
      'subscription ($s: Boolean!) { ... @include(if: $s) { myOrderUpdates { id } } }',
    ]) {
      expect(refusal(rewrite(query, { s: false }))).toEqual([{ code: 'BAD_REQUEST', message: 'Directives are not supported on the root field of a subscription.' }]);
    }
  });

  it('refuses what is not a subscription, or no operation', () => {
    expect(refusal(rewrite('{ order(id: "o") { id } }'))[0]?.code).toBe('BAD_REQUEST');
    expect(refusal(rewrite('subscription A { myOrderUpdates { id } } subscription B { myOrderUpdates { id } }'))[0]?.code).toBe('BAD_REQUEST');
  });

  it('refuses a missing or null id, a missing selection and unknown arguments', () => {
    expect(refusal(rewrite('subscription ($id: ID!) { orderUpdated(id: $id) { id } }', {}))[0]?.code).toBe('BAD_USER_INPUT');
    expect(refusal(rewrite('subscription ($id: ID!) { orderUpdated(id: $id) { id } }', { id: null }))[0]?.code).toBe('BAD_USER_INPUT');
    expect(refusal(rewrite('subscription { orderUpdated(id: 1.5) { id } }'))[0]?.code).toBe('BAD_USER_INPUT');
    expect(refusal(rewrite('subscription { orderUpdated { id } }'))[0]?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(refusal(rewrite('subscription { orderUpdated(id: "o") }'))[0]?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(refusal(rewrite('subscription { myOrderUpdates(id: "o") { id } }'))[0]?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(refusal(rewrite('subscription { ...Nope }'))[0]?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(refusal(rewrite('subscription { ...Q } fragment Q on Query { order(id: "o") { id } }'))[0]?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
