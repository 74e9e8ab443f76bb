import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreGateIfLost } from '../src/services/gate-restore.ts';
import { ctxOf, eventsOf, openHarness, sagaEvent, seedProduct, silentLogger, type OrdersHarness } from './orders-harness.ts';

let h: OrdersHarness;
beforeAll(async () => {
  h = await openHarness('ord_saga');
});
afterAll(async () => {
  await h?.close();
});

async function placed(stock = 10, quantity = 1) {
  const customer = randomUUID();
  const product = await seedProduct(h, { priceMinor: 2500 }, stock);
  const res = await h.placement.place(ctxOf(customer), customer, { items: [{ productId: product.id, quantity }], idempotencyKey: randomUUID() });
  return { customer, product, orderId: res.order!.id };
}

const reserved = (orderId: string, at = new Date(Date.now() + 600_000)) => sagaEvent('StockReserved', { orderId, holdExpiresAt: at.toISOString() });
const succeeded = (orderId: string) => sagaEvent('PaymentSucceeded', { orderId, paymentId: randomUUID(), amountMinor: 2500, currency: 'USD' });
const statusOf = async (orderId: string) => (await h.orders.findByIds([orderId])).get(orderId)!;
const historyOf = async (orderId: string) => (await h.orders.historyOf([orderId])).get(orderId)!.map((c) => c.status);
const typesOf = async (orderId: string) => (await eventsOf(h, orderId)).map((e) => e.type).filter((t) => t !== 'OrderStatusChanged');

describe('the saga', () => {
  it('StockReserved → AWAITING_PAYMENT with paymentDueAt and OrderAwaitingPayment carrying the total; a redelivery changes nothing', async () => {
    const { orderId, customer } = await placed();
    const due = new Date(Date.now() + 600_000);
    const event = reserved(orderId, due);
    expect(await h.saga.handle(event)).toBe('applied');
    expect(await h.saga.handle(event)).toBe('duplicate');
    const order = await statusOf(orderId);
    expect(order.status).toBe('AWAITING_PAYMENT');
    expect(order.paymentDueAt?.toISOString()).toBe(due.toISOString());
    const events = await eventsOf(h, orderId);
    expect(events.find((e) => e.type === 'OrderAwaitingPayment')?.payload).toEqual({
      orderId,
      customerId: customer,
      amountMinor: 2500,
      currency: 'USD',
      paymentDueAt: due.toISOString(),
    });
    const changes = events.filter((e) => e.type === 'OrderStatusChanged').map((e) => e.payload);
    expect(changes.map((c) => [c.status, c.version, c.previousStatus])).toEqual([['PENDING', 1, null], ['AWAITING_PAYMENT', 2, 'PENDING']]);
  });

  it('paid: PaymentSucceeded → CONFIRMED and OrderConfirmed; shipped and delivered by an admin', async () => {
    const { orderId } = await placed();
    await h.saga.handle(reserved(orderId));
    await h.saga.handle(sagaEvent('PaymentFailed', { orderId, paymentId: randomUUID(), reason: 'card_declined' }));
    expect((await statusOf(orderId)).status).toBe('AWAITING_PAYMENT');
    expect(await h.saga.handle(succeeded(orderId))).toBe('applied');
    const admin = { id: randomUUID(), roles: ['ADMIN' as const] };
    expect((await h.orders.deliver(admin, orderId)).userErrors).toMatchObject([{ code: 'INVALID_STATE' }]);
    expect((await h.orders.ship(admin, orderId)).order?.status).toBe('SHIPPED');
    expect((await h.orders.deliver(admin, orderId)).order?.status).toBe('DELIVERED');
    expect((await h.orders.cancel(ctxOf(admin.id, true), admin, { id: orderId })).userErrors).toMatchObject([{ code: 'INVALID_STATE' }]);
    expect(await historyOf(orderId)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'DELIVERED']);
    expect(await typesOf(orderId)).toEqual(['OrderPlaced', 'OrderAwaitingPayment', 'OrderConfirmed']);
  });

  it('rejected: StockRejected → REJECTED with its reason, and the gate tokens come back (also on redelivery)', async () => {
    const { orderId, product } = await placed(10, 3);
    expect(await h.gate.tokens(product.id)).toBe(7);
    const event = sagaEvent('StockRejected', { orderId, reason: 'OUT_OF_STOCK', productId: product.id });
    expect(await h.saga.handle(event)).toBe('applied');
    expect(await h.saga.handle(event)).toBe('duplicate');
    expect(await h.gate.tokens(product.id)).toBe(10);
    const order = await statusOf(orderId);
    expect(order).toMatchObject({ status: 'REJECTED', failureReason: 'out_of_stock' });
  });

  it('expired: HoldExpired → EXPIRED and OrderExpired; a late payment is refused (payments refunds it)', async () => {
    const { orderId } = await placed();
    await h.saga.handle(reserved(orderId));
    expect(await h.saga.handle(sagaEvent('HoldExpired', { orderId }))).toBe('applied');
    expect(await h.saga.handle(succeeded(orderId))).toBe('refused');
    expect(await statusOf(orderId)).toMatchObject({ status: 'EXPIRED', failureReason: 'payment_window_expired' });
    expect(await historyOf(orderId)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'EXPIRED']);
    expect(await typesOf(orderId)).toEqual(['OrderPlaced', 'OrderAwaitingPayment', 'OrderExpired']);
  });

  it('a hold that lapses under a just-confirmed order: refund requested once, then REFUNDED', async () => {
    const { orderId } = await placed();
    await h.saga.handle(reserved(orderId));
    await h.saga.handle(succeeded(orderId));
    expect(await h.saga.handle(sagaEvent('HoldExpired', { orderId }))).toBe('refund-requested');
    expect(await h.saga.handle(sagaEvent('HoldExpired', { orderId }))).toBe('noted');
    expect((await statusOf(orderId)).status).toBe('CONFIRMED');
    expect(await h.saga.handle(sagaEvent('PaymentRefunded', { orderId, paymentId: randomUUID(), amountMinor: 2500, currency: 'USD' }))).toBe('applied');
    expect((await statusOf(orderId)).status).toBe('REFUNDED');
    expect(await typesOf(orderId)).toEqual(['OrderPlaced', 'OrderAwaitingPayment', 'OrderConfirmed', 'OrderRefundRequested', 'OrderRefunded']);
  });

  it('cancel before payment → CANCELLED and OrderCancelled; after payment → refund requested, REFUNDED when it settles', async () => {
    const { orderId, customer } = await placed();
    const owner = { id: customer, roles: ['CUSTOMER' as const] };
    const stranger = { id: randomUUID(), roles: ['CUSTOMER' as const] };
    expect((await h.orders.cancel(ctxOf(stranger.id), stranger, { id: orderId })).userErrors).toMatchObject([{ code: 'NOT_FOUND' }]);
    const cancelled = await h.orders.cancel(ctxOf(customer), owner, { id: orderId, reason: 'changed my mind' });
    expect(cancelled.order).toMatchObject({ status: 'CANCELLED', failureReason: 'changed my mind' });
    expect(await h.saga.handle(reserved(orderId))).toBe('refused');
    expect((await h.orders.cancel(ctxOf(customer), owner, { id: orderId })).userErrors).toMatchObject([{ code: 'INVALID_STATE' }]);
    expect(await typesOf(orderId)).toEqual(['OrderPlaced', 'OrderCancelled']);

    const paid = await placed();
    const payer = { id: paid.customer, roles: ['CUSTOMER' as const] };
    await h.saga.handle(reserved(paid.orderId));
    await h.saga.handle(succeeded(paid.orderId));
    const first = await h.orders.cancel(ctxOf(paid.customer), payer, { id: paid.orderId });
    expect(first.order?.status).toBe('CONFIRMED');
    expect((await h.orders.cancel(ctxOf(paid.customer), payer, { id: paid.orderId })).order?.status).toBe('CONFIRMED');
    const admin = { id: randomUUID(), roles: ['ADMIN' as const] };
    expect((await h.orders.ship(admin, paid.orderId)).userErrors).toMatchObject([{ code: 'INVALID_STATE' }]);
    await h.saga.handle(sagaEvent('PaymentRefunded', { orderId: paid.orderId, paymentId: randomUUID(), amountMinor: 2500, currency: 'USD' }));
    expect(await historyOf(paid.orderId)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'REFUNDED']);
    expect((await typesOf(paid.orderId)).filter((t) => t === 'OrderRefundRequested')).toHaveLength(1);
  });

  it('concurrent duplicates of one event apply once', async () => {
    const { orderId } = await placed();
    const event = reserved(orderId);
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => h.saga.handle(event)));
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(await historyOf(orderId)).toEqual(['PENDING', 'AWAITING_PAYMENT']);
  });

  it('an event for an unknown order, or with a malformed id, changes nothing', async () => {
    expect(await h.saga.handle(reserved(randomUUID()))).toBe('missing');
    await expect(h.saga.handle(sagaEvent('StockReserved', { orderId: 'not-a-uuid', holdExpiresAt: new Date().toISOString() }))).rejects.toThrow(
      /valid orderId/,
    );
  });

  it('restores the gate records of live orders from PostgreSQL when Redis lost them', async () => {
    const { product, customer } = await placed(10, 2);
    const keys = await h.redis.keys(`${h.redisPrefix}*`);
    await h.redis.del(...keys);
    expect(await h.gate.hasState()).toBe(false);
    const restored = await restoreGateIfLost(h.orm, h.gate, silentLogger);
    expect(restored).toBeGreaterThan(0);
    expect(await h.gate.hasState()).toBe(true);
    expect(await h.gate.taken(product.id, customer)).toBe(2);
    expect(await restoreGateIfLost(h.orm, h.gate, silentLogger)).toBeNull();
  });

  it('handleBatch applies a batch in order, each event once: reserved, paid in the same batch, rejected (tokens back), duplicates', async () => {
    const a = await placed();
    const b = await placed();
    const c = await placed(1);
    const paidInBatch = succeeded(a.orderId);
    const events = [reserved(a.orderId), reserved(b.orderId), paidInBatch, sagaEvent('StockRejected', { orderId: c.orderId, reason: 'OUT_OF_STOCK' }), sagaEvent('PaymentFailed', { orderId: b.orderId, paymentId: randomUUID(), reason: 'card_declined' })];
    expect(await h.saga.handleBatch([...events, paidInBatch])).toEqual(['applied', 'applied', 'applied', 'applied', 'noted', 'duplicate']);
    expect(await historyOf(a.orderId)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED']);
    expect(await historyOf(b.orderId)).toEqual(['PENDING', 'AWAITING_PAYMENT']);
    expect(await historyOf(c.orderId)).toEqual(['PENDING', 'REJECTED']);
    expect(await h.gate.tokens(c.product.id)).toBe(1);
    // The same events again, batched or one by one (the bus's fallback), change nothing.
    expect(await h.saga.handleBatch(events)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(await h.saga.handle(reserved(a.orderId))).toBe('refused');
    expect(await typesOf(a.orderId)).toEqual(['OrderPlaced', 'OrderAwaitingPayment', 'OrderConfirmed']);
  });

  it('in one batch: paid, its hold lapsing after (refund requested, CONFIRMED kept), refunded; ten orders reserved at once', async () => {
    const a = await placed();
    const many = await Promise.all(Array.from({ length: 10 }, () => placed()));
    const refunded = sagaEvent('PaymentRefunded', { orderId: a.orderId, paymentId: randomUUID(), amountMinor: 2500, currency: 'USD' });
    const outcomes = await h.saga.handleBatch([
      reserved(a.orderId),
      ...many.map((m) => reserved(m.orderId)),
      succeeded(a.orderId),
      sagaEvent('HoldExpired', { orderId: a.orderId }),
      refunded,
    ]);
    expect(outcomes).toEqual(['applied', ...many.map(() => 'applied'), 'applied', 'refund-requested', 'applied']);
    const order = await statusOf(a.orderId);
    expect(order.status).toBe('REFUNDED');
    expect(order.failureReason).toBe('the stock hold expired before the payment settled');
    expect(await historyOf(a.orderId)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'REFUNDED']);
    expect(await typesOf(a.orderId)).toEqual(['OrderPlaced', 'OrderAwaitingPayment', 'OrderConfirmed', 'OrderRefundRequested', 'OrderRefunded']);
    const versions = (await eventsOf(h, a.orderId)).filter((e) => e.type === 'OrderStatusChanged').map((e) => e.payload.version);
    expect(versions).toEqual([1, 2, 3, 4]);
    for (const m of many) {
      expect((await statusOf(m.orderId)).status).toBe('AWAITING_PAYMENT');
      expect(await historyOf(m.orderId)).toEqual(['PENDING', 'AWAITING_PAYMENT']);
    }
  });
});
