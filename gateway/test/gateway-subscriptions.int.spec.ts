import { createRedis } from '@limitedcart/common';
import type { OrderStatus } from '@limitedcart/common/events/order-events';
import { encodeOrderStatusMessage, orderStatusChannel } from '@limitedcart/common/events/order-status-channel';
import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHarness, type Harness } from './support/harness.ts';
import { MISSING_ORDER_ID } from './support/fake-subgraph.ts';
import { contractOperation } from './support/operations.ts';

// The default subscription source inside a real gateway: graphql-ws in, Redis pub/sub for the events, the client's
// selection resolved through Apollo Gateway against the fake subgraph.

const T = { timeout: 20_000 };

interface Subscription {
  payloads: FormattedExecutionResult[];
  error?: unknown;
  completed: boolean;
  /** Waits until `n` payloads arrived (or the subscription ended, or errored). */
  count(n: number): Promise<void>;
  ended(): Promise<void>;
  unsubscribe(): void;
}

async function until(condition: () => boolean, what: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('order subscriptions through the gateway', () => {
  let h: Harness;
  let publisher: Redis;
  const clients: Client[] = [];

  const client = (authorization?: string) => {
    const c = createClient({
      url: h.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: authorization ? { authorization } : {},
      retryAttempts: 0,
      lazy: true,
    });
    clients.push(c);
    return c;
  };

  const subscribe = (c: Client, query: string, variables?: Record<string, unknown>): Subscription => {
    const sub: Subscription = {
      payloads: [],
      completed: false,
      count: (n) => until(() => sub.payloads.length >= n || sub.completed || sub.error !== undefined, `${n} payloads`),
      ended: () => until(() => sub.completed || sub.error !== undefined, 'the end of the subscription'),
      unsubscribe: () => {},
    };
    sub.unsubscribe = c.subscribe(
      { query, variables },
      {
        next: (result) => void sub.payloads.push(result as FormattedExecutionResult),
        error: (error) => (sub.error = error),
        complete: () => (sub.completed = true),
      },
    );
    return sub;
  };

  const publish = (orderId: string, status: OrderStatus, version: number, customerId = 'user-1') =>
    publisher.publish(
      orderStatusChannel(h.config.redisPrefix),
      encodeOrderStatusMessage({ orderId, customerId, status, version, at: new Date().toISOString() }),
    );

  beforeAll(async () => {
    h = await startHarness();
    publisher = createRedis(h.config, 'gateway-subscriptions-test');
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await publisher?.quit();
    await h?.stop();
  }, 30_000);

  it('OrderUpdated (contract): the current state, then one payload per status change, with fields of the selection', T, async () => {
    const c = client(`Bearer ${await h.jwks.sign({ sub: 'user-1' })}`);
    const sub = subscribe(c, contractOperation('OrderUpdated'), { id: 'ws-1' });
    await sub.count(1);
    expect(sub.error).toBeUndefined();
    expect(sub.payloads[0]).toEqual({
      data: {
        orderUpdated: {
          id: 'ws-1',
          status: 'AWAITING_PAYMENT',
          failureReason: null,
          paymentDueAt: '2030-01-01T00:10:00.000Z',
          items: [{ quantity: 2, product: { id: 'p1', name: 'Sneaker' } }],
          payment: null,
        },
      },
    });
    h.subgraph.orderStatuses.set('ws-1', 'CONFIRMED');
    await publish('ws-1', 'CONFIRMED', 3);
    await publish('ws-1', 'CONFIRMED', 3); // a duplicate: dropped
    await sub.count(2);
    await sleep(300);
    expect(sub.payloads.map((p) => (p.data?.orderUpdated as { status: string }).status)).toEqual(['AWAITING_PAYMENT', 'CONFIRMED']);
    sub.unsubscribe();
  });

  it('an aliased orderUpdated with fragments; subgraph calls carry the subscriber token', T, async () => {
    const token = await h.jwks.sign({ sub: 'user-1' });
    const c = client(`Bearer ${token}`);
    const before = h.subgraph.calls.length;
    const sub = subscribe(
      c,
      `subscription Watch($id: ID!) { ...Root }
       fragment Root on Subscription { live: orderUpdated(id: $id) { ...Fields } }
       fragment Fields on Order { status customer { email } }`,
      { id: 'ws-2' },
    );
    await sub.count(1);
    expect(sub.payloads[0]).toEqual({ data: { live: { status: 'AWAITING_PAYMENT', customer: { email: 'buyer@example.com' } } } });
    // The ownership/version check, then the client's selection.
    expect(h.subgraph.calls.slice(before).map((headers) => headers.authorization)).toEqual([`Bearer ${token}`, `Bearer ${token}`]);
    sub.unsubscribe();
  });

  it('refuses an order the subgraph does not show (NOT_FOUND) and a subscriber without a login (UNAUTHENTICATED)', T, async () => {
    const c = client(`Bearer ${await h.jwks.sign()}`);
    const missing = subscribe(c, contractOperation('OrderUpdated'), { id: MISSING_ORDER_ID });
    await missing.ended();
    expect(missing.payloads).toEqual([]);
    expect(missing.error).toEqual([{ message: 'Order not found.', extensions: { code: 'NOT_FOUND' } }]);
    const anonymous = subscribe(client(), contractOperation('MyOrderUpdates'));
    await anonymous.ended();
    expect(anonymous.error).toEqual([{ message: 'You must be logged in.', extensions: { code: 'UNAUTHENTICATED' } }]);
  });

  it("MyOrderUpdates (contract): the changes of the token subject's orders only", T, async () => {
    const c = client(`Bearer ${await h.jwks.sign({ sub: 'user-7' })}`);
    const sub = subscribe(c, contractOperation('MyOrderUpdates'));
    await sleep(300); // subscribed (no first payload to wait for)
    await publish('other-1', 'PENDING', 1, 'someone-else');
    h.subgraph.orderStatuses.set('mine-1', 'PENDING');
    await publish('mine-1', 'PENDING', 1, 'user-7');
    await sub.count(1);
    await sleep(300);
    expect(sub.payloads).toEqual([{ data: { myOrderUpdates: { id: 'mine-1', status: 'PENDING' } } }]);
    sub.unsubscribe();
  });

  it('ends a subscription with UNAUTHENTICATED once its access token has expired', T, async () => {
    const c = client(`Bearer ${await h.jwks.sign({ sub: 'user-1', expiresIn: 2 })}`);
    const sub = subscribe(c, contractOperation('OrderUpdated'), { id: 'ws-3' });
    await sub.count(1);
    await sleep(2_100);
    await publish('ws-3', 'CONFIRMED', 3);
    await sub.ended();
    expect(sub.completed).toBe(true);
    expect(sub.payloads.at(-1)).toEqual({ errors: [{ message: expect.stringMatching(/expired/), extensions: { code: 'UNAUTHENTICATED' } }] });
  });
});
