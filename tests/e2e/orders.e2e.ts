// The order saga through the gateway, one status path per test, each watched live over graphql-ws (the contract's
// OrderUpdated operation): paid, declined then paid, paid asynchronously via the webhook, expired, cancelled before and
// after payment, shipped and delivered; INVALID_STATE cases; idempotency; what strangers cannot do.
import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, graphql, operation, registerCustomer } from './harness.ts';
import {
  CARDS,
  createProduct,
  mutateOrder,
  payOrder,
  placeOrder,
  readOrder,
  statusSequence,
  stockOf,
  stockSettles,
  subscribe,
  waitForStatus,
  wsClient,
  type LiveFeed,
} from './shop.ts';

interface OrderPayload {
  id: string;
  status: string;
  failureReason: string | null;
  paymentDueAt: string | null;
  items: { quantity: number; product: { id: string; name: string } }[];
  payment: { id: string; status: string } | null;
}

let admin: string;
let buyer: { id: string; accessToken: string };
let client: Client;
const clients: Client[] = [];

beforeAll(async () => {
  admin = await adminToken();
  buyer = await registerCustomer('buyer');
  client = wsClient(buyer.accessToken);
  clients.push(client);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
});

/** A placed order (1 unit of a fresh product with `stock` units) and its live feed. */
async function placedAndWatched(stock = 5) {
  const productId = await createProduct({ initialStock: stock, price: '25.00' });
  const placed = await placeOrder(buyer.accessToken, [{ productId, quantity: 1 }]);
  expect(placed.userErrors).toEqual([]);
  const order = placed.order!;
  expect(order).toMatchObject({ status: 'PENDING', total: { amount: '25.00', currencyCode: 'USD' } });
  const feed = subscribe<OrderPayload>(client, 'OrderUpdated', { id: order.id });
  return { productId, orderId: order.id, feed };
}

/** The feed saw `path`'s statuses from wherever the order was when the subscription started, each once, in order. */
async function expectPath(feed: LiveFeed<OrderPayload>, path: string[], ms?: number) {
  const last = path.at(-1)!;
  const payloads = await feed.until((p) => p.at(-1)?.status === last, ms);
  const seq = statusSequence(payloads);
  expect(path).toContain(seq[0]);
  expect(seq).toEqual(path.slice(path.indexOf(seq[0]!)));
  return payloads;
}

describe('status paths, watched live', () => {
  it('paid → CONFIRMED (stock sold), then SHIPPED and DELIVERED by an admin', async () => {
    const { productId, orderId, feed } = await placedAndWatched();
    await waitForStatus(buyer.accessToken, orderId, 'AWAITING_PAYMENT');
    const paid = await payOrder(buyer.accessToken, orderId, CARDS.ok);
    expect(paid.userErrors).toEqual([]);
    expect(paid.payment).toMatchObject({ status: 'SUCCEEDED', last4: '4242', amount: { amount: '25.00', currencyCode: 'USD' } });
    await waitForStatus(buyer.accessToken, orderId, 'CONFIRMED');
    expect((await mutateOrder('MarkOrderShipped', admin, { id: orderId })).order?.status).toBe('SHIPPED');
    // Delivered once the feed has shown SHIPPED: changes that land while the feed re-reads the order come as one
    // payload with the latest state (order-update-stream.ts), and shipping and delivering within milliseconds of each
    // other is not what this test is about.
    await feed.until((p) => p.at(-1)?.status === 'SHIPPED');
    expect((await mutateOrder('MarkOrderDelivered', admin, { id: orderId })).order?.status).toBe('DELIVERED');
    const payloads = await expectPath(feed, ['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'DELIVERED']);
    // Fields of other subgraphs resolve in the payload: product names (products), payment (payments).
    expect(payloads.at(-1)!.items[0]!.product).toMatchObject({ id: productId });
    expect(payloads.at(-1)!.items[0]!.product.name).toMatch(/^Drop /);
    expect(payloads.at(-1)!.payment).toMatchObject({ id: paid.payment!.id, status: 'SUCCEEDED' });
    feed.close();

    const order = await readOrder(buyer.accessToken, orderId);
    expect(order?.statusHistory.map((h) => h.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'DELIVERED']);
    expect(order?.customer).toEqual({ id: buyer.id, email: expect.stringContaining('@') });
    await stockSettles(productId, { available: 4, reserved: 0, sold: 1 });
  });

  it('declined (card_declined, insufficient_funds) stays AWAITING_PAYMENT, then paid', async () => {
    const { orderId, feed } = await placedAndWatched();
    await waitForStatus(buyer.accessToken, orderId, 'AWAITING_PAYMENT');
    const declined = await payOrder(buyer.accessToken, orderId, CARDS.declined);
    expect(declined.payment).toMatchObject({ status: 'FAILED', failureReason: 'card_declined', last4: '0002' });
    expect(declined.userErrors).toMatchObject([{ code: 'PAYMENT_DECLINED' }]);
    const poor = await payOrder(buyer.accessToken, orderId, CARDS.insufficient);
    expect(poor.payment).toMatchObject({ status: 'FAILED', failureReason: 'insufficient_funds' });
    expect((await readOrder(buyer.accessToken, orderId))?.status).toBe('AWAITING_PAYMENT');
    expect((await payOrder(buyer.accessToken, orderId, CARDS.ok)).payment?.status).toBe('SUCCEEDED');
    await expectPath(feed, ['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED']);
    feed.close();
  });

  it('paid asynchronously: PENDING payment, settled through the signed webhook → CONFIRMED', async () => {
    const { orderId, feed } = await placedAndWatched();
    await waitForStatus(buyer.accessToken, orderId, 'AWAITING_PAYMENT');
    const pending = await payOrder(buyer.accessToken, orderId, CARDS.async);
    expect(pending.userErrors).toEqual([]);
    expect(pending.payment).toMatchObject({ status: 'PENDING', last4: '3220' });
    const payloads = await expectPath(feed, ['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED']);
    expect(payloads.at(-1)!.payment).toMatchObject({ id: pending.payment!.id, status: 'SUCCEEDED' });
    feed.close();
  });

  it('not paid in time → EXPIRED, stock released', async () => {
    const { productId, orderId, feed } = await placedAndWatched(3);
    const awaiting = await waitForStatus(buyer.accessToken, orderId, 'AWAITING_PAYMENT');
    expect(Date.parse(awaiting.paymentDueAt!)).toBeGreaterThan(Date.now());
    expect(await stockOf(productId)).toEqual({ available: 2, reserved: 1, sold: 0 });
    // The e2e stack holds stock for PAYMENT_WINDOW_SECONDS=20.
    await expectPath(feed, ['PENDING', 'AWAITING_PAYMENT', 'EXPIRED'], 45_000);
    feed.close();
    const order = await readOrder(buyer.accessToken, orderId);
    expect(order?.failureReason).toBe('payment_window_expired');
    expect(await stockOf(productId)).toEqual({ available: 3, reserved: 0, sold: 0 });
    expect((await payOrder(buyer.accessToken, orderId, CARDS.ok)).userErrors).toMatchObject([{ code: 'INVALID_STATE' }]);
  });

  it('cancelled before payment → CANCELLED, stock released', async () => {
    const { productId, orderId, feed } = await placedAndWatched(2);
    await waitForStatus(buyer.accessToken, orderId, 'AWAITING_PAYMENT');
    const cancelled = await mutateOrder('CancelOrder', buyer.accessToken, { input: { id: orderId, reason: 'changed my mind' } });
    expect(cancelled).toMatchObject({ order: { status: 'CANCELLED' }, userErrors: [] });
    await expectPath(feed, ['PENDING', 'AWAITING_PAYMENT', 'CANCELLED']);
    feed.close();
    expect((await readOrder(buyer.accessToken, orderId))?.statusHistory.at(-1)).toMatchObject({ status: 'CANCELLED', reason: 'changed my mind' });
    await stockSettles(productId, { available: 2, reserved: 0, sold: 0 });
  });

  it('cancelled after payment → refunded and restocked (REFUNDED)', async () => {
    const { productId, orderId, feed } = await placedAndWatched(2);
    await waitForStatus(buyer.accessToken, orderId, 'AWAITING_PAYMENT');
    await payOrder(buyer.accessToken, orderId, CARDS.ok);
    await waitForStatus(buyer.accessToken, orderId, 'CONFIRMED');
    await stockSettles(productId, { available: 1, reserved: 0, sold: 1 });
    const cancel = await mutateOrder('CancelOrder', buyer.accessToken, { input: { id: orderId } });
    expect(cancel.userErrors).toEqual([]);
    expect(['CONFIRMED', 'REFUNDED']).toContain(cancel.order?.status);
    const payloads = await expectPath(feed, ['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'REFUNDED']);
    expect(payloads.at(-1)!.payment?.status).toBe('REFUNDED');
    feed.close();
    await stockSettles(productId, { available: 2, reserved: 0, sold: 0 });
  });

  it('INVALID_STATE where the status does not allow the operation', async () => {
    const productId = await createProduct({ initialStock: 5 });
    const { order } = await placeOrder(buyer.accessToken, [{ productId, quantity: 1 }]);
    await waitForStatus(buyer.accessToken, order!.id, 'AWAITING_PAYMENT');
    expect((await mutateOrder('MarkOrderShipped', admin, { id: order!.id })).userErrors).toMatchObject([{ code: 'INVALID_STATE' }]);
    await payOrder(buyer.accessToken, order!.id, CARDS.ok);
    await waitForStatus(buyer.accessToken, order!.id, 'CONFIRMED');
    expect((await mutateOrder('MarkOrderDelivered', admin, { id: order!.id })).userErrors).toMatchObject([{ code: 'INVALID_STATE' }]);
    expect((await payOrder(buyer.accessToken, order!.id, CARDS.ok)).userErrors).toMatchObject([{ code: 'INVALID_STATE' }]);
    await mutateOrder('MarkOrderShipped', admin, { id: order!.id });
    expect((await mutateOrder('CancelOrder', buyer.accessToken, { input: { id: order!.id } })).userErrors).toMatchObject([{ code: 'INVALID_STATE' }]);
    await mutateOrder('MarkOrderDelivered', admin, { id: order!.id });
    expect((await mutateOrder('CancelOrder', admin, { input: { id: order!.id } })).userErrors).toMatchObject([{ code: 'INVALID_STATE' }]);
    expect((await mutateOrder('MarkOrderShipped', admin, { id: order!.id })).userErrors).toMatchObject([{ code: 'INVALID_STATE' }]);
    // Customers cannot ship.
    const res = await graphql(operation('MarkOrderShipped'), { id: order!.id }, { token: buyer.accessToken });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('idempotency', () => {
  it('placeOrder: concurrent duplicates give one order; other items with the key → IDEMPOTENCY_CONFLICT', async () => {
    const productId = await createProduct({ initialStock: 10, maxPerCustomer: 1 });
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 6 }, () => placeOrder(buyer.accessToken, [{ productId, quantity: 1 }], key)));
    expect(results.every((r) => r.userErrors.length === 0)).toBe(true);
    expect(new Set(results.map((r) => r.order!.id)).size).toBe(1);
    const conflict = await placeOrder(buyer.accessToken, [{ productId: await createProduct({ initialStock: 1 }), quantity: 1 }], key);
    expect(conflict.userErrors).toMatchObject([{ code: 'IDEMPOTENCY_CONFLICT' }]);
    await waitForStatus(buyer.accessToken, results[0]!.order!.id, 'AWAITING_PAYMENT');
    expect(await stockOf(productId)).toEqual({ available: 9, reserved: 1, sold: 0 });
  });

  it('payOrder: concurrent duplicates give one payment (one charge); a different card with the key → IDEMPOTENCY_CONFLICT', async () => {
    const productId = await createProduct({ initialStock: 3 });
    const { order } = await placeOrder(buyer.accessToken, [{ productId, quantity: 1 }]);
    await waitForStatus(buyer.accessToken, order!.id, 'AWAITING_PAYMENT');
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 6 }, () => payOrder(buyer.accessToken, order!.id, CARDS.ok, key)));
    expect(results.every((r) => r.userErrors.length === 0)).toBe(true);
    expect(new Set(results.map((r) => r.payment!.id)).size).toBe(1);
    const conflict = await payOrder(buyer.accessToken, order!.id, '5555 5555 5555 4444', key);
    expect(conflict.userErrors).toMatchObject([{ code: 'IDEMPOTENCY_CONFLICT' }]);
    await waitForStatus(buyer.accessToken, order!.id, 'CONFIRMED');
    const res = await graphql<{ order: { payments: { id: string }[] } }>('query($id: ID!) { order(id: $id) { payments { id } } }', { id: order!.id }, {
      token: buyer.accessToken,
    });
    expect(res.body.data?.order.payments).toHaveLength(1);
  });
});

describe('strangers', () => {
  it('cannot read, pay, cancel or watch an order that is not theirs; without a login nothing works', async () => {
    const productId = await createProduct({ initialStock: 2 });
    const { order } = await placeOrder(buyer.accessToken, [{ productId, quantity: 1 }]);
    await waitForStatus(buyer.accessToken, order!.id, 'AWAITING_PAYMENT');
    const stranger = await registerCustomer('stranger');
    expect(await readOrder(stranger.accessToken, order!.id)).toBeNull();
    expect(await readOrder(stranger.accessToken, randomUUID())).toBeNull();
    expect((await payOrder(stranger.accessToken, order!.id, CARDS.ok)).userErrors).toMatchObject([{ code: 'NOT_FOUND' }]);
    expect((await mutateOrder('CancelOrder', stranger.accessToken, { input: { id: order!.id } })).userErrors).toMatchObject([{ code: 'NOT_FOUND' }]);
    const theirs = await graphql<{ myOrders: { totalCount: number } }>(operation('MyOrders'), {}, { token: stranger.accessToken });
    expect(theirs.body.data?.myOrders.totalCount).toBe(0);

    const strangerClient = wsClient(stranger.accessToken);
    clients.push(strangerClient);
    const feed = subscribe<OrderPayload>(strangerClient, 'OrderUpdated', { id: order!.id });
    await expect(feed.until(() => false, 3_000)).rejects.toThrow(/subscription failed/);
    expect(feed.payloads).toEqual([]);

    const anonymous = await placeOrder('', [{ productId, quantity: 1 }]).catch((e: Error) => e.message);
    expect(anonymous).toMatch(/UNAUTHENTICATED/);
    // An admin may read and cancel it.
    expect((await readOrder(admin, order!.id))?.id).toBe(order!.id);
    expect((await mutateOrder('CancelOrder', admin, { input: { id: order!.id } })).order?.status).toBe('CANCELLED');
    expect((await readOrder(buyer.accessToken, order!.id))?.status).toBe('CANCELLED');
  });
});

describe('cart and myOrders', () => {
  it('fills a cart, orders it (the cart is emptied), lists the order newest first', async () => {
    const shopper = await registerCustomer('shopper');
    const a = await createProduct({ initialStock: 5, price: '10.00', maxPerCustomer: 2 });
    const b = await createProduct({ initialStock: 5, price: '2.50' });
    const empty = await graphql<{ cart: { items: unknown[]; totalQuantity: number } }>(operation('Cart'), {}, { token: shopper.accessToken });
    expect(empty.body.data?.cart).toMatchObject({ items: [], totalQuantity: 0 });
    const add = (productId: string, quantity: number) =>
      graphql<{ addToCart: { cart: { totalQuantity: number } | null; userErrors: { code: string }[] } }>(operation('AddToCart'), { input: { productId, quantity } }, {
        token: shopper.accessToken,
      });
    expect((await add(a, 2)).body.data?.addToCart.cart?.totalQuantity).toBe(2);
    expect((await add(a, 1)).body.data?.addToCart.userErrors).toMatchObject([{ code: 'LIMIT_EXCEEDED' }]);
    expect((await add(b, 3)).body.data?.addToCart.cart?.totalQuantity).toBe(5);
    const updated = await graphql<{ updateCartItem: { cart: { totalQuantity: number } } }>(operation('UpdateCartItem'), { input: { productId: b, quantity: 4 } }, {
      token: shopper.accessToken,
    });
    expect(updated.body.data?.updateCartItem.cart.totalQuantity).toBe(6);
    const cart = await graphql<{ cart: { subtotal: { amount: string }; expiresAt: string; items: { product: { name: string }; lineTotal: { amount: string } }[] } }>(
      operation('Cart'),
      {},
      { token: shopper.accessToken },
    );
    expect(cart.body.data?.cart.subtotal.amount).toBe('30.00');
    expect(cart.body.data?.cart.items.map((i) => i.lineTotal.amount)).toEqual(['20.00', '10.00']);
    expect(cart.body.data?.cart.items[0]!.product.name).toMatch(/^Drop /);
    expect(Date.parse(cart.body.data!.cart.expiresAt)).toBeGreaterThan(Date.now());

    const first = await placeOrder(shopper.accessToken, [{ productId: b, quantity: 1 }]);
    const fromCart = await placeOrder(shopper.accessToken, undefined);
    expect(fromCart.userErrors).toEqual([]);
    expect(fromCart.order).toMatchObject({ total: { amount: '30.00' } });
    const after = await graphql<{ cart: { items: unknown[] } }>(operation('Cart'), {}, { token: shopper.accessToken });
    expect(after.body.data?.cart.items).toEqual([]);
    const removed = await graphql<{ removeFromCart: { userErrors: unknown[] } }>(operation('RemoveFromCart'), { productId: a }, { token: shopper.accessToken });
    expect(removed.body.data?.removeFromCart.userErrors).toEqual([]);

    const mine = await graphql<{ myOrders: { totalCount: number; edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }>(
      operation('MyOrders'),
      { first: 1 },
      { token: shopper.accessToken },
    );
    expect(mine.body.data?.myOrders.totalCount).toBe(2);
    expect(mine.body.data?.myOrders.edges.map((e) => e.node.id)).toEqual([fromCart.order!.id]);
    const next = await graphql<{ myOrders: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean } } }>(
      operation('MyOrders'),
      { first: 1, after: mine.body.data!.myOrders.pageInfo.endCursor },
      { token: shopper.accessToken },
    );
    expect(next.body.data?.myOrders.edges.map((e) => e.node.id)).toEqual([first.order!.id]);
    expect(next.body.data?.myOrders.pageInfo.hasNextPage).toBe(false);

    // User.orders: orders extends the users entity; the user themselves and ADMINs only.
    const viaMe = await graphql<{ me: { orders: { totalCount: number; edges: { node: { id: string } }[] } } }>(
      'query { me { id orders(first: 5) { totalCount edges { node { id } } } } }',
      {},
      { token: shopper.accessToken },
    );
    expect(viaMe.body.data?.me.orders.totalCount).toBe(2);
    expect(viaMe.body.data?.me.orders.edges.map((e) => e.node.id)).toEqual([fromCart.order!.id, first.order!.id]);
    const ownersOrders = 'query($id: ID!) { order(id: $id) { customer { orders(first: 1) { totalCount } } } }';
    const asAdmin = await graphql<{ order: { customer: { orders: { totalCount: number } } } }>(ownersOrders, { id: first.order!.id }, { token: admin });
    expect(asAdmin.body.data?.order.customer.orders.totalCount).toBe(2);
  });
});
