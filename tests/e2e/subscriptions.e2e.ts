// Live order updates through the whole stack (DESIGN §4, contract "Orders"): the contract's OrderUpdated and
// MyOrderUpdates over graphql-ws, fields of orders, products and payments in the payloads, ownership, and a second
// gateway process on the same stack (each gateway has its own Redis subscriber and delivers to its own sockets).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/lib/stack.ts';
import { adminToken, registerCustomer } from './harness.ts';
import { CARDS, createProduct, mutateOrder, payOrder, placeOrder, statusSequence, subscribe, waitForStatus, wsClient, wsUrl, type LiveFeed } from './shop.ts';

interface OrderPayload {
  id: string;
  status: string;
  failureReason: string | null;
  paymentDueAt: string | null;
  items: { quantity: number; product: { id: string; name: string } }[];
  payment: { id: string; status: string } | null;
}

interface Customer {
  id: string;
  accessToken: string;
}

const clients: Client[] = [];
const client = (token: string | null, url?: string) => {
  const c = wsClient(token, url);
  clients.push(c);
  return c;
};

let productId: string;
let buyer: Customer;

beforeAll(async () => {
  productId = await createProduct({ initialStock: 50, price: '12.50' });
  buyer = await registerCustomer('live');
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
});

/** An order of 1 unit, waiting for payment (stock held). */
async function awaitingPayment(customer: Customer): Promise<string> {
  const placed = await placeOrder(customer.accessToken, [{ productId, quantity: 1 }]);
  expect(placed.userErrors).toEqual([]);
  await waitForStatus(customer.accessToken, placed.order!.id, 'AWAITING_PAYMENT');
  return placed.order!.id;
}

/** Waits until the feed's last payload has `status`. */
const reach = (feed: LiveFeed<OrderPayload>, status: string) => feed.until((p) => p.at(-1)?.status === status);

/** Waits until a feed (without a first payload) is surely subscribed: a throwaway order of the same customer shows up. */
async function subscribed(feed: LiveFeed<OrderPayload>, customer: Customer): Promise<string> {
  const probe = await placeOrder(customer.accessToken, [{ productId, quantity: 1 }]);
  await feed.until((p) => p.some((o) => o.id === probe.order!.id && o.status === 'AWAITING_PAYMENT'));
  return probe.order!.id;
}

describe('OrderUpdated', () => {
  it('sends the current state first, then each status change once, with fields of every subgraph', async () => {
    const orderId = await awaitingPayment(buyer);
    const feed = subscribe<OrderPayload>(client(buyer.accessToken), 'OrderUpdated', { id: orderId });
    await feed.until((p) => p.length >= 1);
    expect(feed.payloads[0]).toMatchObject({ id: orderId, status: 'AWAITING_PAYMENT', payment: null, failureReason: null });
    expect(feed.payloads[0]!.paymentDueAt).toEqual(expect.any(String));
    expect(feed.payloads[0]!.items).toEqual([{ quantity: 1, product: { id: productId, name: expect.stringMatching(/^Drop /) } }]);

    const paid = await payOrder(buyer.accessToken, orderId, CARDS.ok);
    expect(paid.userErrors).toEqual([]);
    await reach(feed, 'CONFIRMED');
    expect((await mutateOrder('MarkOrderShipped', await adminToken(), { id: orderId })).order?.status).toBe('SHIPPED');
    await reach(feed, 'SHIPPED');
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for a duplicate to show up (it must not)
    expect(feed.errors).toEqual([]);
    // Subscribed while the order rested in AWAITING_PAYMENT: each status exactly once, none repeated.
    expect(feed.payloads.map((p) => p.status)).toEqual(['AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED']);
    expect(feed.payloads[1]!.payment).toEqual({ id: paid.payment!.id, status: 'SUCCEEDED' });
    feed.close();
  });

  it('follows a fresh order from placement through its saga', async () => {
    const placed = await placeOrder(buyer.accessToken, [{ productId, quantity: 1 }]);
    const orderId = placed.order!.id;
    const feed = subscribe<OrderPayload>(client(buyer.accessToken), 'OrderUpdated', { id: orderId });
    await reach(feed, 'AWAITING_PAYMENT');
    expect((await mutateOrder('CancelOrder', buyer.accessToken, { input: { id: orderId, reason: 'changed my mind' } })).userErrors).toEqual([]);
    await reach(feed, 'CANCELLED');
    const seq = statusSequence(feed.payloads);
    expect(seq).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CANCELLED'].slice(seq[0] === 'PENDING' ? 0 : 1));
    expect(feed.payloads.at(-1)!.failureReason).toEqual(expect.any(String));
    feed.close();
  });

  it("refuses someone else's order and an unknown id alike, and a subscriber without a login", async () => {
    const orderId = await awaitingPayment(buyer);
    const stranger = await registerCustomer('stranger');
    const foreign = subscribe<OrderPayload>(client(stranger.accessToken), 'OrderUpdated', { id: orderId });
    const unknown = subscribe<OrderPayload>(client(stranger.accessToken), 'OrderUpdated', { id: randomUUID() });
    const anonymous = subscribe<OrderPayload>(client(null), 'OrderUpdated', { id: orderId });
    for (const feed of [foreign, unknown, anonymous]) await expect(feed.until(() => false, 5_000)).rejects.toThrow(/subscription failed/);
    expect(foreign.errors).toEqual([[{ message: 'Order not found.', extensions: { code: 'NOT_FOUND' } }]]);
    expect(unknown.errors).toEqual(foreign.errors);
    expect(anonymous.errors).toEqual([[expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })]]);
    expect([foreign, unknown, anonymous].map((f) => f.payloads)).toEqual([[], [], []]);
  });

  it('lets an ADMIN follow any order', async () => {
    const orderId = await awaitingPayment(buyer);
    const feed = subscribe<OrderPayload>(client(await adminToken()), 'OrderUpdated', { id: orderId });
    await feed.until((p) => p.length >= 1);
    expect(feed.payloads[0]).toMatchObject({ id: orderId, status: 'AWAITING_PAYMENT' });
    feed.close();
  });
});

describe('MyOrderUpdates', () => {
  it("sends every change of the caller's orders and nothing of anyone else's", async () => {
    const customer = await registerCustomer('mine');
    const other = await registerCustomer('other');
    const feed = subscribe<OrderPayload>(client(customer.accessToken), 'MyOrderUpdates');
    const first = await subscribed(feed, customer);
    const othersOrder = await awaitingPayment(other);
    const orderId = await awaitingPayment(customer);
    await payOrder(customer.accessToken, orderId, CARDS.ok);
    await feed.until((p) => p.some((o) => o.id === orderId && o.status === 'CONFIRMED'));
    expect(feed.errors).toEqual([]);
    expect(feed.payloads.every((o) => o.id === first || o.id === orderId)).toBe(true);
    expect(feed.payloads.some((o) => o.id === othersOrder)).toBe(false);
    expect(statusSequence(feed.payloads.filter((o) => o.id === orderId))).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED']);
    feed.close();
  });
});

describe('two gateway processes', () => {
  const env = inject('stackEnv');
  let second: ChildProcess | undefined;
  let secondUrl: string;

  beforeAll(async () => {
    if (Object.keys(env).length === 0) return; // a stack we did not start: no environment to start another gateway with
    const node = existsSync(`${REPO_ROOT}node_modules/.bin/node`) ? `${REPO_ROOT}node_modules/.bin/node` : process.execPath;
    // Same environment (subgraph ports, Redis prefix, JWKS), another port chosen by the OS.
    second = spawn(node, [`${REPO_ROOT}gateway/src/main.ts`], { env: { ...process.env, ...env, GATEWAY_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<never>((_, reject) => second!.once('exit', (code) => reject(new Error(`the second gateway exited (${code})`))));
    const listening = new Promise<string>((resolve) => {
      createInterface({ input: second!.stdout! }).on('line', (line) => {
        const url = /gateway listening on (http:\/\/\S+\/graphql)/.exec(line)?.[1];
        if (url) resolve(url);
      });
    });
    createInterface({ input: second.stderr! }).on('line', () => {});
    secondUrl = await Promise.race([listening, exited]);
    const ready = `${new URL(secondUrl).origin}/health/ready`;
    const deadline = Date.now() + 30_000;
    while (!(await fetch(ready).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline) throw new Error('the second gateway is not ready');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 60_000);

  afterAll(async () => {
    if (!second || second.exitCode !== null) return;
    const exited = new Promise((resolve) => second!.once('exit', resolve));
    second.kill('SIGTERM');
    await exited;
  }, 30_000);

  it('each delivers to its own subscribers', async (ctx) => {
    if (!second) ctx.skip();
    const customer = await registerCustomer('replicas');
    const orderId = await awaitingPayment(customer);
    const onFirst = subscribe<OrderPayload>(client(customer.accessToken), 'OrderUpdated', { id: orderId });
    const onSecond = subscribe<OrderPayload>(client(customer.accessToken, wsUrl(secondUrl)), 'OrderUpdated', { id: orderId });
    const mineOnSecond = subscribe<OrderPayload>(client(customer.accessToken, wsUrl(secondUrl)), 'MyOrderUpdates');
    await onFirst.until((p) => p.length >= 1);
    await onSecond.until((p) => p.length >= 1);
    await subscribed(mineOnSecond, customer);

    await payOrder(customer.accessToken, orderId, CARDS.ok);
    for (const feed of [onFirst, onSecond]) await reach(feed, 'CONFIRMED');
    await mineOnSecond.until((p) => p.some((o) => o.id === orderId && o.status === 'CONFIRMED'));
    expect(onFirst.payloads.map((p) => p.status)).toEqual(['AWAITING_PAYMENT', 'CONFIRMED']);
    expect(onSecond.payloads.map((p) => p.status)).toEqual(['AWAITING_PAYMENT', 'CONFIRMED']);
    expect(onSecond.payloads[1]!.payment?.status).toBe('SUCCEEDED');

    // The second gateway stops: its sockets close; the first keeps delivering.
    second!.kill('SIGTERM');
    await new Promise((resolve) => second!.once('exit', resolve));
    expect((await mutateOrder('MarkOrderShipped', await adminToken(), { id: orderId })).order?.status).toBe('SHIPPED');
    await reach(onFirst, 'SHIPPED');
    expect(onSecond.payloads.map((p) => p.status)).not.toContain('SHIPPED');
    for (const feed of [onFirst, onSecond, mineOnSecond]) feed.close();
  });
});
