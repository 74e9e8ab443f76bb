// The orders.events projection and the webhook effects at service level, against a real PostgreSQL: each event once,
// states never move back, refunds exactly once whatever the order of events, payments and settlements.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../src/services/mock-payment-provider.ts';
import type { ProviderEvent } from '../src/services/payment-provider.ts';
import {
  capturingLogger,
  ctxOf,
  openTestDb,
  orderAwaitingPayment,
  orderEvent,
  orderPlaced,
  orderState,
  outboxEvents,
  payInput,
  paymentsOf,
  providerEventsOf,
  testServices,
  uniquePrefix,
  type TestDb,
  type TestServices,
} from './payments-harness.ts';

let db: TestDb;
let s: TestServices;
const { logger } = capturingLogger();

beforeAll(async () => {
  db = await openTestDb(uniquePrefix('pay_refunds'), 40);
  s = testServices(db.orm, logger, { delayMs: 60_000 });
});

afterAll(async () => {
  await db?.close();
});

async function openOrder(): Promise<{ orderId: string; customerId: string }> {
  const orderId = randomUUID();
  const customerId = randomUUID();
  await s.projection.handle(orderPlaced(orderId, customerId));
  await s.projection.handle(orderAwaitingPayment(orderId, customerId, 3100));
  return { orderId, customerId };
}

async function paidWith(card: string): Promise<{ orderId: string; customerId: string; paymentId: string }> {
  const o = await openOrder();
  const res = await s.payments.payOrder(ctxOf(logger, o.customerId), payInput(o.orderId, card));
  return { ...o, paymentId: res.payment!.id };
}

/** What the provider would send for the rows it scheduled (the dispatcher's job, done by hand here). */
async function scheduledWebhooks(paymentId: string): Promise<ProviderEvent[]> {
  return (await providerEventsOf(db.orm, paymentId)).map((e) => ({ id: e.id, type: e.type as ProviderEvent['type'], data: { paymentId } }));
}

const webhook = (type: ProviderEvent['type'], paymentId: string, failureReason?: string): ProviderEvent => ({
  id: `evt_${randomUUID()}`,
  type,
  data: { paymentId, ...(failureReason ? { failureReason } : {}) },
});

const types = async (orderId: string) => (await outboxEvents(db.orm, orderId)).map((e) => e.type);

describe('orders.events projection', () => {
  it('OrderPlaced → PLACED, OrderAwaitingPayment → OPEN, OrderConfirmed → PAID; each event id once', async () => {
    const orderId = randomUUID();
    const customerId = randomUUID();
    const placed = orderPlaced(orderId, customerId);
    expect(await s.projection.handle(placed)).toEqual({ kind: 'applied', refunded: [] });
    expect(await s.projection.handle(placed)).toEqual({ kind: 'duplicate' });
    expect(await orderState(db.orm, orderId)).toEqual({ state: 'PLACED', closed_reason: null });
    const awaiting = orderAwaitingPayment(orderId, customerId, 777);
    expect((await Promise.all([s.projection.handle(awaiting), s.projection.handle(awaiting)])).map((o) => o?.kind).sort()).toEqual(['applied', 'duplicate']);
    expect(await orderState(db.orm, orderId)).toEqual({ state: 'OPEN', closed_reason: null });
    await s.projection.handle(orderEvent('OrderConfirmed', orderId));
    expect((await orderState(db.orm, orderId))?.state).toBe('PAID');
    // A replayed (new id) OrderAwaitingPayment never reopens it.
    expect(await s.projection.handle(orderAwaitingPayment(orderId, customerId, 1))).toEqual({ kind: 'ignored' });
    expect((await orderState(db.orm, orderId))?.state).toBe('PAID');
    // Types payments does not use are skipped without an inbox row.
    expect(await s.projection.handle(orderEvent('OrderRefunded', orderId))).toBeUndefined();
  });

  it('handleBatch applies a batch of orders.events in order, each once, and refunds a paid order closed in it', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const [ca, cb] = [randomUUID(), randomUUID()];
    const placedA = orderPlaced(a, ca);
    const batch = [placedA, orderPlaced(b, cb), orderAwaitingPayment(a, ca, 1200), orderAwaitingPayment(b, cb, 900), orderEvent('OrderRefunded', a), placedA];
    expect((await s.projection.handleBatch(batch)).map((o) => o?.kind)).toEqual(['applied', 'applied', 'applied', 'applied', undefined, 'duplicate']);
    expect(await orderState(db.orm, a)).toEqual({ state: 'OPEN', closed_reason: null });
    expect(await orderState(db.orm, b)).toEqual({ state: 'OPEN', closed_reason: null });
    const paid = await s.payments.payOrder(ctxOf(logger, ca), payInput(a));
    expect(paid.payment?.status).toBe('SUCCEEDED');
    const cancelled = orderEvent('OrderCancelled', a);
    const [outcome] = await s.projection.handleBatch([cancelled, orderEvent('OrderExpired', b)]);
    expect(outcome).toEqual({ kind: 'applied', refunded: [paid.payment!.id] });
    expect(await s.projection.handleBatch([cancelled])).toEqual([{ kind: 'duplicate' }]);
    expect((await paymentsOf(db.orm, a)).map((p) => p.status)).toEqual(['REFUND_PENDING']);
    expect(await orderState(db.orm, b)).toEqual({ state: 'CLOSED', closed_reason: 'EXPIRED' });
  });

  it('handleBatch creates the row of each order once for the batch, with the customer of whichever event carries it', async () => {
    const [c, d] = [randomUUID(), randomUUID()];
    const [cc, cd] = [randomUUID(), randomUUID()];
    // c's first event carries no customer; its second one does. d: placed and awaiting in one batch.
    const outcomes = await s.projection.handleBatch([orderEvent('OrderConfirmed', c), orderPlaced(d, cd), orderAwaitingPayment(c, cc, 500), orderAwaitingPayment(d, cd, 700)]);
    expect(outcomes.map((o) => o?.kind)).toEqual(['applied', 'applied', 'ignored', 'applied']);
    const rows = await db.orm.em
      .fork()
      .execute<{ order_id: string; customer_id: string | null; state: string; amount_minor: string | null }[]>(
        'select order_id, customer_id, state, amount_minor from payment_order where order_id in (?, ?) order by order_id',
        [c, d],
      );
    expect(rows).toEqual(
      [
        { order_id: c, customer_id: cc, state: 'PAID', amount_minor: null },
        { order_id: d, customer_id: cd, state: 'OPEN', amount_minor: '700' },
      ].sort((x, y) => x.order_id.localeCompare(y.order_id)),
    );
  });

  it('OrderAwaitingPayment without OrderPlaced creates the open order', async () => {
    const orderId = randomUUID();
    const customerId = randomUUID();
    await s.projection.handle(orderAwaitingPayment(orderId, customerId, 500));
    expect((await orderState(db.orm, orderId))?.state).toBe('OPEN');
    const res = await s.payments.payOrder(ctxOf(logger, customerId), payInput(orderId));
    expect(res.payment).toMatchObject({ status: 'SUCCEEDED', amountMinor: 500 });
  });

  it('a cancelled order that payments hears of late stays closed', async () => {
    const orderId = randomUUID();
    const customerId = randomUUID();
    await s.projection.handle(orderEvent('OrderCancelled', orderId));
    await s.projection.handle(orderPlaced(orderId, customerId));
    await s.projection.handle(orderAwaitingPayment(orderId, customerId));
    expect(await orderState(db.orm, orderId)).toEqual({ state: 'CLOSED', closed_reason: 'CANCELLED' });
    expect((await s.payments.payOrder(ctxOf(logger, customerId), payInput(orderId))).userErrors.map((e) => e.code)).toEqual(['INVALID_STATE']);
  });

  it('malformed payloads are not retried (NonRetryableError → DLQ)', async () => {
    const bad = { ...orderAwaitingPayment(randomUUID(), randomUUID()), payload: { orderId: randomUUID(), customerId: 'c', amountMinor: -1, currency: 'USD', paymentDueAt: 'x' } };
    await expect(s.projection.handle(bad)).rejects.toMatchObject({ name: 'NonRetryableError' });
    await expect(s.projection.handle({ ...orderEvent('OrderConfirmed', 'x'), payload: {} })).rejects.toMatchObject({ name: 'NonRetryableError' });
  });
});

describe('webhook effects', () => {
  it('payment.succeeded settles a PENDING payment once: SUCCEEDED + one PaymentSucceeded', async () => {
    const { orderId, paymentId } = await paidWith(TEST_CARDS.asyncSucceeds);
    const [scheduled] = await scheduledWebhooks(paymentId);
    expect(scheduled?.type).toBe('payment.succeeded');
    const outcome = await s.webhooks.handle(scheduled!);
    expect(outcome).toMatchObject({ kind: 'applied', payment: { status: 'SUCCEEDED' }, refundStarted: false });
    expect(await s.webhooks.handle(scheduled!)).toEqual({ kind: 'duplicate' });
    // Another event id for an already settled payment is recorded and ignored.
    expect(await s.webhooks.handle(webhook('payment.succeeded', paymentId))).toEqual({ kind: 'ignored', status: 'SUCCEEDED' });
    expect(await s.webhooks.handle(webhook('payment.failed', paymentId, 'card_declined'))).toEqual({ kind: 'ignored', status: 'SUCCEEDED' });
    expect(await types(orderId)).toEqual(['PaymentSucceeded']);
    const [event] = await outboxEvents(db.orm, orderId);
    expect(event?.payload).toEqual({ orderId, paymentId, amountMinor: 3100, currency: 'USD' });
  });

  it('payment.failed fails a PENDING payment: FAILED + PaymentFailed; the order can be paid again', async () => {
    const { orderId, customerId, paymentId } = await paidWith(TEST_CARDS.asyncSucceeds);
    const event = webhook('payment.failed', paymentId, 'expired_card');
    const concurrent = await Promise.all([s.webhooks.handle(event), s.webhooks.handle(event), s.webhooks.handle(event)]);
    expect(concurrent.map((o) => o.kind).sort()).toEqual(['applied', 'duplicate', 'duplicate']);
    expect(await paymentsOf(db.orm, orderId)).toMatchObject([{ status: 'FAILED', failure_reason: 'expired_card' }]);
    expect(await outboxEvents(db.orm, orderId)).toMatchObject([{ type: 'PaymentFailed', payload: { orderId, paymentId, reason: 'expired_card' } }]);
    expect((await s.payments.payOrder(ctxOf(logger, customerId), payInput(orderId))).payment?.status).toBe('SUCCEEDED');
  });

  it('an unknown payment id is recorded (200, no effect) and not reprocessed', async () => {
    const event = webhook('payment.succeeded', randomUUID());
    expect(await s.webhooks.handle(event)).toEqual({ kind: 'unknown-payment' });
    expect(await s.webhooks.handle(event)).toEqual({ kind: 'duplicate' });
  });
});

describe('refunds', () => {
  it('OrderRefundRequested refunds the SUCCEEDED payment once: REFUND_PENDING, refund.succeeded → REFUNDED + one PaymentRefunded', async () => {
    const { orderId, paymentId } = await paidWith(TEST_CARDS.succeeds);
    await s.projection.handle(orderEvent('OrderConfirmed', orderId));
    const request = orderEvent('OrderRefundRequested', orderId);
    expect(await s.projection.handle(request)).toEqual({ kind: 'applied', refunded: [paymentId] });
    expect(await s.projection.handle(request)).toEqual({ kind: 'duplicate' });
    // A second request (new event id), and a cancel on top: still one refund.
    expect(await s.projection.handle(orderEvent('OrderRefundRequested', orderId))).toEqual({ kind: 'applied', refunded: [] });
    expect(await s.projection.handle(orderEvent('OrderCancelled', orderId))).toEqual({ kind: 'applied', refunded: [] });
    expect((await paymentsOf(db.orm, orderId))[0]?.status).toBe('REFUND_PENDING');
    const scheduled = await scheduledWebhooks(paymentId);
    expect(scheduled.map((e) => e.type)).toEqual(['refund.succeeded']);
    expect((await providerEventsOf(db.orm, paymentId))[0]!.delay_ms).toBeGreaterThanOrEqual(59_000);

    expect(await s.webhooks.handle(scheduled[0]!)).toMatchObject({ kind: 'applied', payment: { status: 'REFUNDED' } });
    expect(await s.webhooks.handle(scheduled[0]!)).toEqual({ kind: 'duplicate' });
    expect(await s.webhooks.handle(webhook('refund.succeeded', paymentId))).toEqual({ kind: 'ignored', status: 'REFUNDED' });
    expect(await types(orderId)).toEqual(['PaymentSucceeded', 'PaymentRefunded']);
    expect((await outboxEvents(db.orm, orderId))[1]?.payload).toEqual({ orderId, paymentId, amountMinor: 3100, currency: 'USD' });
    expect(await orderState(db.orm, orderId)).toEqual({ state: 'CLOSED', closed_reason: 'REFUND_REQUESTED' });
  });

  it('concurrent refund requests, cancel and expiry start one refund', async () => {
    const { orderId, paymentId } = await paidWith(TEST_CARDS.succeeds);
    const events = [
      orderEvent('OrderRefundRequested', orderId),
      orderEvent('OrderRefundRequested', orderId),
      orderEvent('OrderExpired', orderId),
      orderEvent('OrderCancelled', orderId),
    ];
    const outcomes = await Promise.all(events.map((e) => s.projection.handle(e)));
    expect(outcomes.flatMap((o) => (o?.kind === 'applied' ? o.refunded : []))).toEqual([paymentId]);
    expect((await scheduledWebhooks(paymentId)).map((e) => e.type)).toEqual(['refund.succeeded']);
  });

  it('OrderExpired refunds a payment that had already succeeded', async () => {
    const { orderId, paymentId } = await paidWith(TEST_CARDS.succeeds);
    expect(await s.projection.handle(orderEvent('OrderExpired', orderId))).toEqual({ kind: 'applied', refunded: [paymentId] });
    expect(await orderState(db.orm, orderId)).toEqual({ state: 'CLOSED', closed_reason: 'EXPIRED' });
  });

  it.each(['OrderRefundRequested', 'OrderCancelled', 'OrderExpired'] as const)(
    '%s while the payment is PENDING: it is refunded as soon as it succeeds',
    async (type) => {
      const { orderId, paymentId } = await paidWith(TEST_CARDS.asyncSucceeds);
      expect(await s.projection.handle(orderEvent(type, orderId))).toEqual({ kind: 'applied', refunded: [] });
      const [settle] = await scheduledWebhooks(paymentId);
      expect(await s.webhooks.handle(settle!)).toMatchObject({ kind: 'applied', payment: { status: 'REFUND_PENDING' }, refundStarted: true });
      const refund = (await scheduledWebhooks(paymentId)).filter((e) => e.type === 'refund.succeeded');
      expect(refund).toHaveLength(1);
      // orders may still ask for the refund after it saw PaymentSucceeded: nothing more happens.
      expect(await s.projection.handle(orderEvent('OrderRefundRequested', orderId))).toEqual({ kind: 'applied', refunded: [] });
      await s.webhooks.handle(refund[0]!);
      expect((await paymentsOf(db.orm, orderId)).map((p) => p.status)).toEqual(['REFUNDED']);
      expect(await types(orderId)).toEqual(['PaymentSucceeded', 'PaymentRefunded']);
    },
  );

  it('a refund request for an order without a succeeded payment refunds nothing', async () => {
    const { orderId, paymentId } = await paidWith(TEST_CARDS.declined);
    expect(await s.projection.handle(orderEvent('OrderRefundRequested', orderId))).toEqual({ kind: 'applied', refunded: [] });
    expect(await scheduledWebhooks(paymentId)).toEqual([]);
    expect(await types(orderId)).toEqual(['PaymentFailed']);
  });
});
