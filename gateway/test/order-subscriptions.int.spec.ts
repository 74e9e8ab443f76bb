import { randomUUID } from 'node:crypto';
import { createLogger, createRedis, loadConfig, type AuthUser, type Config } from '@limitedcart/common';
import { orderStatusChannel } from '@limitedcart/common/events/order-status-channel';
import { parse, type FormattedExecutionResult, type GraphQLError } from 'graphql';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayContext } from '../src/auth/gateway-context.ts';
import { OrderStatusFanout } from '../src/subscriptions/order-status-fanout.ts';
import { createOrderSubscriptions, OrderSubscriptionSource } from '../src/subscriptions/order-subscription-source.ts';
import { FakeOrders, statusMessage } from './support/fake-orders.ts';

// The subscription source against real Redis pub/sub, with a fake executor standing in for the subgraphs.

const logger = createLogger('order-subscriptions-test', process.env.TEST_LOG_LEVEL ?? 'silent');
const T = { timeout: 20_000 };
const alice: AuthUser = { id: 'alice', roles: ['CUSTOMER'] };
const bob: AuthUser = { id: 'bob', roles: ['CUSTOMER'] };

const ORDER_UPDATED = 'subscription OrderUpdated($id: ID!) { orderUpdated(id: $id) { id status payment { status } } }';
const MY_ORDER_UPDATES = 'subscription MyOrderUpdates { myOrderUpdates { id status } }';

function contextOf(user: AuthUser | null): GatewayContext {
  return { correlationId: randomUUID(), user, authorization: undefined, logger };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pulls a subscription's payloads in the background, as graphql-ws does. */
class Collector {
  readonly payloads: FormattedExecutionResult[] = [];
  readonly iterator: AsyncIterator<FormattedExecutionResult>;
  done = false;
  readonly finished: Promise<void>;

  constructor(result: Awaited<ReturnType<OrderSubscriptionSource['subscribe']>>) {
    if (Array.isArray(result)) throw new Error(`refused: ${(result as GraphQLError[]).map((e) => e.message).join('; ')}`);
    const iterator = (result as AsyncIterable<FormattedExecutionResult>)[Symbol.asyncIterator]();
    this.iterator = iterator;
    this.finished = (async () => {
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        this.payloads.push(next.value);
      }
      this.done = true;
    })();
  }

  statuses(key: string): unknown[] {
    return this.payloads.map((p) => (p.data?.[key] as { status?: string } | null)?.status);
  }

  async count(n: number): Promise<void> {
    await until(() => this.payloads.length >= n, `${n} payloads (got ${this.payloads.length})`);
  }

  async stop(): Promise<void> {
    await this.iterator.return?.();
    await this.finished;
  }
}

describe('order subscriptions over Redis pub/sub', () => {
  let config: Config;
  let channel: string;
  let publisher: Redis;
  const sources: OrderSubscriptionSource[] = [];
  const collectors: Collector[] = [];

  const openSource = (orders: FakeOrders) => {
    const source = createOrderSubscriptions({ config, logger, execute: orders.execute, validate: orders.validate });
    sources.push(source);
    return source;
  };
  const subscribe = async (source: OrderSubscriptionSource, query: string, user: AuthUser | null, variables?: Record<string, unknown>) =>
    source.subscribe({ query, document: parse(query), operationName: undefined, variables }, contextOf(user));
  const collect = async (...args: Parameters<typeof subscribe>) => {
    const collector = new Collector(await subscribe(...args));
    collectors.push(collector);
    return collector;
  };
  const numsub = async () => ((await publisher.pubsub('NUMSUB', channel)) as [string, number])[1];

  beforeAll(() => {
    config = loadConfig({
      NODE_ENV: 'test',
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `test:gateway-subs:${randomUUID().slice(0, 8)}:`,
    });
    channel = orderStatusChannel(config.redisPrefix);
    publisher = createRedis(config, 'gateway-subscriptions-test');
  });

  afterEach(async () => {
    await Promise.all(collectors.splice(0).map((c) => c.stop()));
    await Promise.all(sources.splice(0).map((s) => s.close()));
  });

  afterAll(async () => {
    await publisher?.quit();
  });

  it('orderUpdated: the current state, then one payload per new status; duplicates and stale versions dropped', T, async () => {
    const orders = new FakeOrders();
    const source = openSource(orders);
    orders.set('o1', 'alice', 'PENDING', 1);
    const sub = await collect(source, ORDER_UPDATED, alice, { id: 'o1' });
    await sub.count(1);
    await publisher.publish(channel, orders.set('o1', 'alice', 'AWAITING_PAYMENT', 2));
    await sub.count(2);
    await publisher.publish(channel, orders.set('o1', 'alice', 'AWAITING_PAYMENT', 2)); // redelivered
    await publisher.publish(channel, orders.set('o1', 'alice', 'AWAITING_PAYMENT', 1)); // stale
    await publisher.publish(channel, 'not json'); // ignored, breaks nothing
    await publisher.publish(channel, orders.set('o1', 'alice', 'CONFIRMED', 3));
    await sub.count(3);
    await sleep(200);
    expect(sub.statuses('orderUpdated')).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED']);
    expect(sub.payloads[2]).toEqual({ data: { orderUpdated: { id: 'o1', status: 'CONFIRMED', payment: { status: 'SUCCEEDED' } } } });
    // The version probe, then the client's selection once per payload.
    expect(orders.queries.map((q) => q.query.startsWith('query LimitedcartOrderVersion'))).toEqual([true, false, false, false]);
    expect(orders.queries[1]?.query).toContain('orderUpdated: order(id: $id)');
  });

  it('orderUpdated: a status already in the first payload is not sent again when its message comes late', T, async () => {
    const orders = new FakeOrders();
    const source = openSource(orders);
    // Placed and reserved before the subscription; both messages are still on their way (Kafka, then Redis).
    orders.set('late', 'alice', 'AWAITING_PAYMENT', 2);
    const sub = await collect(source, ORDER_UPDATED, alice, { id: 'late' });
    await sub.count(1);
    await publisher.publish(channel, statusMessage('late', 'alice', 'PENDING', 1));
    await publisher.publish(channel, statusMessage('late', 'alice', 'AWAITING_PAYMENT', 2));
    await publisher.publish(channel, orders.set('late', 'alice', 'CONFIRMED', 3));
    await sub.count(2);
    await sleep(200);
    expect(sub.statuses('orderUpdated')).toEqual(['AWAITING_PAYMENT', 'CONFIRMED']);
  });

  it('orderUpdated: coalesces a burst into the latest state, never going back', T, async () => {
    const orders = new FakeOrders();
    const source = openSource(orders);
    orders.set('o2', 'alice', 'PENDING', 1);
    const sub = await collect(source, ORDER_UPDATED, alice, { id: 'o2' });
    await sub.count(1);
    orders.delayMs = 150;
    const statuses = ['AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'DELIVERED'] as const;
    for (const [i, status] of statuses.entries()) await publisher.publish(channel, orders.set('o2', 'alice', status, i + 2));
    await until(() => sub.statuses('orderUpdated').at(-1) === 'DELIVERED', 'the last status');
    await sleep(400);
    const seen = sub.statuses('orderUpdated') as string[];
    const positions = seen.map((s) => ['PENDING', ...statuses].indexOf(s as (typeof statuses)[number]));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(seen.length);
    expect(orders.queries.length).toBeLessThan(2 + statuses.length);
  });

  it("orderUpdated: refuses someone else's order and an unknown one alike; nothing stays subscribed", T, async () => {
    const orders = new FakeOrders();
    const source = openSource(orders);
    orders.set('o3', 'alice', 'PENDING', 1);
    const foreign = await subscribe(source, ORDER_UPDATED, bob, { id: 'o3' });
    const unknown = await subscribe(source, ORDER_UPDATED, bob, { id: 'missing' });
    for (const refused of [foreign, unknown]) {
      expect(refused).toEqual([expect.objectContaining({ message: 'Order not found.', extensions: { code: 'NOT_FOUND' } })]);
    }
    expect(await subscribe(source, ORDER_UPDATED, null, { id: 'o3' })).toEqual([
      expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } }),
    ]);
    expect(source.listenerCount()).toBe(0);
    expect(source.size).toBe(0);
  });

  it("myOrderUpdates: every change of the caller's orders, nobody else's; cleanup on return()", T, async () => {
    const orders = new FakeOrders();
    const source = openSource(orders);
    const mine = await collect(source, MY_ORDER_UPDATES, alice);
    const theirs = await collect(source, MY_ORDER_UPDATES, bob);
    expect(source.listenerCount()).toBe(2);
    await publisher.publish(channel, orders.set('a1', 'alice', 'PENDING', 1));
    await publisher.publish(channel, orders.set('b1', 'bob', 'PENDING', 1));
    await publisher.publish(channel, orders.set('a2', 'alice', 'PENDING', 1));
    await mine.count(2);
    await theirs.count(1);
    await sleep(200);
    expect(mine.payloads.map((p) => p.data?.myOrderUpdates)).toEqual([
      { id: 'a1', status: 'PENDING' },
      { id: 'a2', status: 'PENDING' },
    ]);
    expect(theirs.payloads.map((p) => p.data?.myOrderUpdates)).toEqual([{ id: 'b1', status: 'PENDING' }]);
    await mine.stop();
    await theirs.stop();
    expect(mine.done && theirs.done).toBe(true);
    expect(source.listenerCount()).toBe(0);
    expect(source.size).toBe(0);
    // The connection stays: one subscriber per gateway process, whatever the number of subscriptions.
    expect(await numsub()).toBe(1);
  });

  it('two gateway processes: one subscriber connection each, each delivers to its own subscribers', T, async () => {
    const orders = new FakeOrders();
    const first = openSource(orders);
    const second = openSource(orders);
    orders.set('t1', 'alice', 'PENDING', 1);
    const onFirst = await collect(first, ORDER_UPDATED, alice, { id: 't1' });
    const onSecond = await collect(second, MY_ORDER_UPDATES, alice);
    const alsoOnSecond = await collect(second, ORDER_UPDATED, alice, { id: 't1' });
    expect(await numsub()).toBe(2);
    await onFirst.count(1);
    await alsoOnSecond.count(1);
    await publisher.publish(channel, orders.set('t1', 'alice', 'AWAITING_PAYMENT', 2));
    await onFirst.count(2);
    await onSecond.count(1);
    await alsoOnSecond.count(2);
    expect(onFirst.statuses('orderUpdated')).toEqual(['PENDING', 'AWAITING_PAYMENT']);
    expect(onSecond.statuses('myOrderUpdates')).toEqual(['AWAITING_PAYMENT']);
    expect(alsoOnSecond.statuses('orderUpdated')).toEqual(['PENDING', 'AWAITING_PAYMENT']);
    expect([first.listenerCount(), second.listenerCount()]).toEqual([1, 2]);

    // One process stops: its subscriptions end, the other keeps delivering.
    await first.close();
    await onFirst.finished;
    expect(onFirst.done).toBe(true);
    await until(async () => (await numsub()) === 1, 'one subscriber left');
    await publisher.publish(channel, orders.set('t1', 'alice', 'CONFIRMED', 3));
    await alsoOnSecond.count(3);
    await onSecond.count(2);
    expect(onFirst.payloads).toHaveLength(2);
  });

  it('survives a dropped Redis connection: resubscribes, re-checks what changed meanwhile, keeps delivering', T, async () => {
    const orders = new FakeOrders();
    const name = `limitedcart:test-feed-${randomUUID().slice(0, 8)}`;
    const feed = new OrderStatusFanout(new Redis(config.redisUrl, { connectionName: name, maxRetriesPerRequest: 3 }), channel, logger);
    const source = new OrderSubscriptionSource({ feed, execute: orders.execute, validate: orders.validate, logger });
    sources.push(source);
    orders.set('r1', 'alice', 'AWAITING_PAYMENT', 2);
    const sub = await collect(source, ORDER_UPDATED, alice, { id: 'r1' });
    await sub.count(1);

    const clients = (await publisher.client('LIST')) as string;
    const id = clients.split('\n').find((line) => line.includes(` name=${name} `))?.match(/\bid=(\d+)/)?.[1];
    expect(id).toBeDefined();
    await publisher.client('KILL', 'ID', id!);
    // The order changes while the feed is away: its message would be lost (pub/sub keeps nothing).
    orders.set('r1', 'alice', 'CONFIRMED', 3);
    await sub.count(2);
    expect(sub.statuses('orderUpdated')).toEqual(['AWAITING_PAYMENT', 'CONFIRMED']);

    await until(async () => (await numsub()) === 1, 'the feed subscribed again');
    await publisher.publish(channel, orders.set('r1', 'alice', 'SHIPPED', 4));
    await sub.count(3);
    expect(sub.statuses('orderUpdated')).toEqual(['AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED']);
  });
});
