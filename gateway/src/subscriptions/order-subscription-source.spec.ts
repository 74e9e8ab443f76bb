import { ApolloArmor } from '@escape.tech/graphql-armor';
import { createLogger, type AuthUser } from '@limitedcart/common';
import { decodeOrderStatusMessage } from '@limitedcart/common/events/order-status-channel';
import { parse, type FormattedExecutionResult, type GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { FakeOrders } from '../../test/support/fake-orders.ts';
import type { GatewayContext } from '../auth/gateway-context.ts';
import { armorConfig } from '../limits.ts';
import type { OrderStatusFeed, OrderStatusListener } from './order-status-fanout.ts';
import { OrderSubscriptionSource } from './order-subscription-source.ts';
import { schemaValidator } from './subscription-validator.ts';
import { accessTokenExpiry } from './token-expiry.ts';

const logger = createLogger('order-subscription-source-test', 'silent');

/** The Redis fan-out's behaviour in memory: listeners by order and by customer. */
class MemoryFeed implements OrderStatusFeed {
  readonly listeners: { kind: 'order' | 'customer'; key: string; listener: OrderStatusListener }[] = [];
  subscribed = true;
  closed = false;
  async ready() {
    if (!this.subscribed) throw new Error('not subscribed');
  }
  onOrder(orderId: string, listener: OrderStatusListener) {
    return this.#add({ kind: 'order', key: orderId, listener });
  }
  onCustomer(customerId: string, listener: OrderStatusListener) {
    return this.#add({ kind: 'customer', key: customerId, listener });
  }
  listenerCount() {
    return this.listeners.length;
  }
  async close() {
    this.closed = true;
  }
  publish(raw: string) {
    const message = decodeOrderStatusMessage(raw)!;
    for (const { kind, key, listener } of [...this.listeners]) {
      if ((kind === 'order' && key === message.orderId) || (kind === 'customer' && key === message.customerId)) listener.message(message);
    }
  }
  #add(entry: MemoryFeed['listeners'][number]) {
    this.listeners.push(entry);
    return () => {
      const i = this.listeners.indexOf(entry);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}

const alice: AuthUser = { id: 'alice', roles: ['CUSTOMER'] };
const bob: AuthUser = { id: 'bob', roles: ['CUSTOMER'] };
const admin: AuthUser = { id: 'root', roles: ['ADMIN'] };

function contextOf(user: AuthUser | null): GatewayContext {
  return { correlationId: 'c-1', user, authorization: user ? 'Bearer x.eyJleHAiOjQxMDI0NDQ4MDB9.y' : undefined, logger };
}

function setup() {
  const feed = new MemoryFeed();
  const orders = new FakeOrders();
  const source = new OrderSubscriptionSource({ feed, execute: orders.execute, validate: orders.validate, logger });
  const subscribe = (query: string, user: AuthUser | null, variables?: Record<string, unknown>) =>
    source.subscribe({ query, document: parse(query), operationName: undefined, variables }, contextOf(user));
  return { feed, orders, source, subscribe };
}

function iterator(result: Awaited<ReturnType<OrderSubscriptionSource['subscribe']>>): AsyncIterator<FormattedExecutionResult> {
  if (Array.isArray(result)) throw new Error(`refused: ${(result as GraphQLError[]).map((e) => e.message).join('; ')}`);
  return (result as AsyncIterable<FormattedExecutionResult>)[Symbol.asyncIterator]();
}

function refusal(result: Awaited<ReturnType<OrderSubscriptionSource['subscribe']>>) {
  if (!Array.isArray(result)) throw new Error('expected a refusal');
  return (result as GraphQLError[]).map((e) => ({ code: e.extensions.code, message: e.message }));
}

const ORDER_UPDATED = 'subscription ($id: ID!) { orderUpdated(id: $id) { id status payment { status } } }';

describe('OrderSubscriptionSource', () => {
  it('orderUpdated: the current state first, then one payload per status change', async () => {
    const { feed, orders, subscribe } = setup();
    orders.set('o1', 'alice', 'AWAITING_PAYMENT', 2);
    const it = iterator(await subscribe(ORDER_UPDATED, alice, { id: 'o1' }));
    expect(feed.listeners).toMatchObject([{ kind: 'order', key: 'o1' }]);
    expect(await it.next()).toEqual({ done: false, value: { data: { orderUpdated: { id: 'o1', status: 'AWAITING_PAYMENT', payment: null } } } });
    feed.publish(orders.set('o1', 'alice', 'CONFIRMED', 3));
    expect(await it.next()).toEqual({
      done: false,
      value: { data: { orderUpdated: { id: 'o1', status: 'CONFIRMED', payment: { status: 'SUCCEEDED' } } } },
    });
    await it.return!();
    expect(feed.listenerCount()).toBe(0);
  });

  it('orderUpdated: an ADMIN may follow any order', async () => {
    const { orders, subscribe } = setup();
    orders.set('o1', 'alice', 'PENDING', 1);
    const it = iterator(await subscribe(ORDER_UPDATED, admin, { id: 'o1' }));
    expect((await it.next()).value).toEqual({ data: { orderUpdated: { id: 'o1', status: 'PENDING', payment: null } } });
    await it.return!();
  });

  it("orderUpdated: someone else's order and an unknown id are refused alike, and nothing keeps listening", async () => {
    const { feed, orders, subscribe } = setup();
    orders.set('o1', 'alice', 'PENDING', 1);
    const foreign = refusal(await subscribe(ORDER_UPDATED, bob, { id: 'o1' }));
    const unknown = refusal(await subscribe(ORDER_UPDATED, bob, { id: 'nope' }));
    expect(foreign).toEqual([{ code: 'NOT_FOUND', message: 'Order not found.' }]);
    expect(unknown).toEqual(foreign);
    expect(feed.listenerCount()).toBe(0);
    // Only the small ownership/version query ran: the client's selection never ran for a stranger.
    expect(orders.queries.map((q) => q.query)).toEqual([expect.stringMatching(/^query LimitedcartOrderVersion/), expect.stringMatching(/^query LimitedcartOrderVersion/)]);
  });

  it('orderUpdated: when the version probe fails, the client query decides (its errors refuse, its data streams)', async () => {
    const { feed, orders } = setup();
    orders.set('o1', 'alice', 'PENDING', 1);
    let failProbe = true;
    const execute: typeof orders.execute = async (request, context) =>
      failProbe && request.operationName === 'LimitedcartOrderVersion'
        ? { data: { order: null }, errors: [{ message: 'orders is down' }] }
        : orders.execute(request, context);
    const source = new OrderSubscriptionSource({ feed, execute, validate: orders.validate, logger });
    const it = iterator(await source.subscribe({ query: ORDER_UPDATED, document: parse(ORDER_UPDATED), operationName: undefined, variables: { id: 'o1' } }, contextOf(alice)));
    expect((await it.next()).value).toEqual({ data: { orderUpdated: { id: 'o1', status: 'PENDING', payment: null } } });
    await it.return!();
    const failing: typeof orders.execute = async () => ({ data: { order: null }, errors: [{ message: 'orders is down', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    const down = new OrderSubscriptionSource({ feed, execute: failing, logger });
    const refused = await down.subscribe({ query: ORDER_UPDATED, document: parse(ORDER_UPDATED), operationName: undefined, variables: { id: 'o1' } }, contextOf(alice));
    expect(refusal(refused)).toEqual([{ code: 'INTERNAL_SERVER_ERROR', message: 'orders is down' }]);
    expect(feed.listenerCount()).toBe(0);
    failProbe = false;
  });

  it('needs a login for both fields, checked before any query', async () => {
    const { feed, orders, subscribe } = setup();
    for (const query of [ORDER_UPDATED, 'subscription { myOrderUpdates { id } }']) {
      expect(refusal(await subscribe(query, null, { id: 'o1' }))).toEqual([{ code: 'UNAUTHENTICATED', message: 'You must be logged in.' }]);
    }
    expect(orders.queries).toEqual([]);
    expect(feed.listenerCount()).toBe(0);
  });

  it('validates the document against the schema before subscribing', async () => {
    const { feed, orders, subscribe } = setup();
    const unknownField = refusal(await subscribe('subscription { myOrderUpdates { id secret } }', alice));
    expect(unknownField).toEqual([{ code: 'GRAPHQL_VALIDATION_FAILED', message: 'Cannot query field "secret" on type "Order".' }]);
    const two = refusal(await subscribe('subscription { myOrderUpdates { id } orderUpdated(id: "o") { id } }', alice));
    expect(two).toEqual([{ code: 'GRAPHQL_VALIDATION_FAILED', message: 'Anonymous Subscription must select only one top level field.' }]);
    const unknownRoot = refusal(await subscribe('subscription { productUpdated { id } }', alice));
    expect(unknownRoot).toEqual([{ code: 'GRAPHQL_VALIDATION_FAILED', message: expect.stringMatching(/^Cannot query field "productUpdated" on type "Subscription"/) }]);
    expect(orders.queries).toEqual([]);
    expect(feed.listenerCount()).toBe(0);
  });

  it("myOrderUpdates: no first payload, then the caller's orders only", async () => {
    const { feed, orders, subscribe } = setup();
    const it = iterator(await subscribe('subscription { mine: myOrderUpdates { id status customer { id } } }', alice));
    expect(feed.listeners).toMatchObject([{ kind: 'customer', key: 'alice' }]);
    expect(orders.queries).toEqual([]);
    feed.publish(orders.set('b1', 'bob', 'PENDING', 1));
    feed.publish(orders.set('a1', 'alice', 'PENDING', 1));
    expect(await it.next()).toEqual({ done: false, value: { data: { mine: { id: 'a1', status: 'PENDING', customer: { id: 'alice' } } } } });
    feed.publish(orders.set('a2', 'alice', 'AWAITING_PAYMENT', 2));
    expect((await it.next()).value).toEqual({ data: { mine: { id: 'a2', status: 'AWAITING_PAYMENT', customer: { id: 'alice' } } } });
    expect(orders.queries.map((q) => [q.variables?.limitedcartOrderId, q.userId])).toEqual([
      ['a1', 'alice'],
      ['a2', 'alice'],
    ]);
    await it.return!();
    expect(feed.listenerCount()).toBe(0);
  });

  it('refuses with SERVICE_UNAVAILABLE when the feed is not subscribed', async () => {
    const { feed, subscribe } = setup();
    feed.subscribed = false;
    expect(refusal(await subscribe('subscription { myOrderUpdates { id } }', alice))).toEqual([
      { code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/unavailable/) },
    ]);
  });

  it('close() ends every open subscription, closes the feed and refuses new ones', async () => {
    const { feed, orders, source, subscribe } = setup();
    orders.set('o1', 'alice', 'PENDING', 1);
    const one = iterator(await subscribe(ORDER_UPDATED, alice, { id: 'o1' }));
    const two = iterator(await subscribe('subscription { myOrderUpdates { id } }', alice));
    expect(source.size).toBe(2);
    const waiting = two.next();
    await source.close();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(await one.next()).toEqual({ done: true, value: undefined });
    expect(feed.listenerCount()).toBe(0);
    expect(feed.closed).toBe(true);
    expect(refusal(await subscribe('subscription { myOrderUpdates { id } }', alice))[0]?.code).toBe('SERVICE_UNAVAILABLE');
  });
});

describe('schemaValidator', () => {
  const orders = new FakeOrders();
  const rules = new ApolloArmor(armorConfig(true)).protect().validationRules;

  it("applies the gateway's limits to subscription documents", () => {
    const validate = schemaValidator(() => orders.schema, rules, false);
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: id`).join(' ');
    const errors = validate(parse(`subscription { myOrderUpdates { ${aliases} } }`));
    expect(errors.map((e) => [e.extensions.code, e.message])).toEqual([['GRAPHQL_VALIDATION_FAILED', expect.stringMatching(/Aliases limit of 15 exceeded/)]]);
    expect(validate(parse('subscription { myOrderUpdates { id status } }'))).toEqual([]);
  });

  it('hides field suggestions in production', () => {
    const document = parse('subscription { myOrderUpdates { statu } }');
    expect(schemaValidator(() => orders.schema, [], false)(document)[0]?.message).toMatch(/Did you mean "status"\?/);
    expect(schemaValidator(() => orders.schema, [], true)(document)[0]?.message).toBe('Cannot query field "statu" on type "Order".');
  });

  it('refuses while no schema is loaded', () => {
    expect(schemaValidator(() => undefined, [], false)(parse('subscription { myOrderUpdates { id } }'))[0]?.extensions.code).toBe('SERVICE_UNAVAILABLE');
  });
});

describe('accessTokenExpiry', () => {
  const token = (payload: object) => `Bearer h.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.s`;
  it('reads exp in milliseconds, undefined without one', () => {
    expect(accessTokenExpiry(token({ exp: 4_102_444_800 }))).toBe(4_102_444_800_000);
    expect(accessTokenExpiry(token({ sub: 'x' }))).toBeUndefined();
    expect(accessTokenExpiry(undefined)).toBeUndefined();
    expect(accessTokenExpiry('Bearer not-a-jwt')).toBeUndefined();
  });
});
