// payOrder against a real PostgreSQL: every test card, input checks that change nothing, ownership, order states,
// and idempotency keys (replays, conflicts, concurrent duplicates).
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../src/services/mock-payment-provider.ts';
import {
  capturingLogger,
  counts,
  ctxOf,
  FUTURE_YEAR,
  openTestDb,
  orderAwaitingPayment,
  orderEvent,
  orderPlaced,
  outboxEvents,
  payInput,
  paymentsOf,
  providerEventsOf,
  storedPaymentText,
  testServices,
  uniquePrefix,
  type TestDb,
  type TestServices,
} from './payments-harness.ts';

let db: TestDb;
let s: TestServices;
const { logger, lines } = capturingLogger();

beforeAll(async () => {
  db = await openTestDb(uniquePrefix('pay_order'), 40);
  s = testServices(db.orm, logger, { delayMs: 60_000, awaitOrderMs: 1_000 });
});

afterAll(async () => {
  await db?.close();
});

/** An order payments has seen open (OrderPlaced + OrderAwaitingPayment), owned by a new customer. */
async function openOrder(amountMinor = 2599, dueAt?: Date): Promise<{ orderId: string; customerId: string }> {
  const orderId = randomUUID();
  const customerId = randomUUID();
  await s.projection.handle(orderPlaced(orderId, customerId));
  await s.projection.handle(orderAwaitingPayment(orderId, customerId, amountMinor, dueAt));
  return { orderId, customerId };
}

const pay = (customerId: string | null, input: ReturnType<typeof payInput>) => s.payments.payOrder(ctxOf(logger, customerId), input);

describe('payOrder with the test cards', () => {
  it('4242 4242 4242 4242 succeeds at once for the order total; PaymentSucceeded is in the outbox', async () => {
    const { orderId, customerId } = await openOrder(4998);
    const res = await pay(customerId, payInput(orderId, '4242 4242 4242 4242'));
    expect(res.userErrors).toEqual([]);
    expect(res.payment).toMatchObject({ orderId, customerId, status: 'SUCCEEDED', amountMinor: 4998, currency: 'USD', last4: '4242', failureReason: null });
    const events = await outboxEvents(db.orm, orderId);
    expect(events).toEqual([
      { type: 'PaymentSucceeded', orderId, topic: 't.payments.events', payload: { orderId, paymentId: res.payment!.id, amountMinor: 4998, currency: 'USD' } },
    ]);
    expect(await providerEventsOf(db.orm, res.payment!.id)).toEqual([]);
  });

  it.each([
    [TEST_CARDS.declined, 'card_declined'],
    [TEST_CARDS.insufficientFunds, 'insufficient_funds'],
  ])('%s fails with %s: the payment and PAYMENT_DECLINED; the order can be paid again', async (card, reason) => {
    const { orderId, customerId } = await openOrder();
    const res = await pay(customerId, payInput(orderId, card));
    expect(res.payment).toMatchObject({ status: 'FAILED', failureReason: reason, last4: card.slice(-4), amountMinor: 2599 });
    expect(res.userErrors).toEqual([{ code: 'PAYMENT_DECLINED', field: null, message: expect.stringContaining(reason) }]);
    expect(await outboxEvents(db.orm, orderId)).toEqual([
      { type: 'PaymentFailed', orderId, topic: 't.payments.events', payload: { orderId, paymentId: res.payment!.id, reason } },
    ]);

    const retry = await pay(customerId, payInput(orderId));
    expect(retry.payment?.status).toBe('SUCCEEDED');
    expect((await paymentsOf(db.orm, orderId)).map((p) => p.status)).toEqual(['FAILED', 'SUCCEEDED']);
    expect((await outboxEvents(db.orm, orderId)).map((e) => e.type)).toEqual(['PaymentFailed', 'PaymentSucceeded']);
  });

  it('4000 0000 0000 3220 stays PENDING and the provider schedules payment.succeeded after the delay; no event yet', async () => {
    const { orderId, customerId } = await openOrder();
    const res = await pay(customerId, payInput(orderId, TEST_CARDS.asyncSucceeds));
    expect(res.userErrors).toEqual([]);
    expect(res.payment).toMatchObject({ status: 'PENDING', last4: '3220' });
    const scheduled = await providerEventsOf(db.orm, res.payment!.id);
    expect(scheduled).toEqual([{ id: expect.stringMatching(/^evt_[0-9a-f-]{36}$/), type: 'payment.succeeded', payment_id: res.payment!.id, delay_ms: expect.any(Number), delivered: false }]);
    expect(scheduled[0]!.delay_ms).toBeGreaterThanOrEqual(59_000);
    expect(await outboxEvents(db.orm, orderId)).toEqual([]);
    // While it is pending, the order cannot be paid again.
    const second = await pay(customerId, payInput(orderId));
    expect(second).toEqual({ payment: null, userErrors: [{ code: 'INVALID_STATE', field: ['input', 'orderId'], message: expect.any(String) }] });
  });

  it('any other valid card succeeds', async () => {
    const { orderId, customerId } = await openOrder();
    const res = await pay(customerId, payInput(orderId, '5555 5555 5555 4444'));
    expect(res.payment).toMatchObject({ status: 'SUCCEEDED', last4: '4444' });
  });

  it('stores and logs only the last 4 digits, never the number or the cvc', async () => {
    const { orderId, customerId } = await openOrder();
    await pay(customerId, payInput(orderId, '4000 0000 0000 0077', { card: { number: '4000 0000 0000 0077', expMonth: 7, expYear: FUTURE_YEAR, cvc: '4821' } }));
    const stored = await storedPaymentText(db.orm);
    const logged = lines.join('\n');
    for (const text of [stored, logged]) {
      expect(text).not.toMatch(/4242424242424242|4000000000000077|4000 0000 0000 0077|4000000000003220|4000000000000002/);
      // The cvc as a value of its own; not inside the random hex of ids and fingerprints, where "4821" turns up by
      // chance (a SHA-256 request_fingerprint, or a UUID's group between hyphens: "…-4821-…", each failed runs).
      expect(text).not.toMatch(/"cvc"|(?<![0-9a-f-])4821(?![0-9a-f-])/i);
    }
    expect(logged).toMatch(/"last4":"0077"/);
  });
});

describe('payOrder refusals change nothing', () => {
  it('needs a login (GraphQL error UNAUTHENTICATED)', async () => {
    const { orderId } = await openOrder();
    const err = await pay(null, payInput(orderId)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphQLError);
    expect((err as GraphQLError).extensions.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['card number failing Luhn', { card: { number: '4242 4242 4242 4241', expMonth: 12, expYear: FUTURE_YEAR, cvc: '123' } }, ['input', 'card', 'number']],
    ['card number too short', { card: { number: '4242 4242', expMonth: 12, expYear: FUTURE_YEAR, cvc: '123' } }, ['input', 'card', 'number']],
    ['month 13', { card: { number: TEST_CARDS.succeeds, expMonth: 13, expYear: FUTURE_YEAR, cvc: '123' } }, ['input', 'card', 'expMonth']],
    ['expired year', { card: { number: TEST_CARDS.succeeds, expMonth: 12, expYear: new Date().getUTCFullYear() - 1, cvc: '123' } }, ['input', 'card', 'expYear']],
    ['cvc of 2 digits', { card: { number: TEST_CARDS.succeeds, expMonth: 12, expYear: FUTURE_YEAR, cvc: '12' } }, ['input', 'card', 'cvc']],
    ['empty idempotency key', { idempotencyKey: '' }, ['input', 'idempotencyKey']],
    ['idempotency key of 201 characters', { idempotencyKey: 'k'.repeat(201) }, ['input', 'idempotencyKey']],
  ])('%s → INVALID_INPUT', async (_label, over, field) => {
    const { orderId, customerId } = await openOrder();
    const before = await counts(db.orm);
    const res = await pay(customerId, payInput(orderId, TEST_CARDS.succeeds, over));
    expect(res).toEqual({ payment: null, userErrors: [{ code: 'INVALID_INPUT', field, message: expect.any(String) }] });
    expect(await counts(db.orm)).toEqual(before);
  });

  it('an expiry earlier this year → INVALID_INPUT at expMonth (unless it is January)', async () => {
    const now = new Date();
    if (now.getUTCMonth() === 0) return;
    const { orderId, customerId } = await openOrder();
    const res = await pay(customerId, payInput(orderId, TEST_CARDS.succeeds, { card: { number: TEST_CARDS.succeeds, expMonth: now.getUTCMonth(), expYear: now.getUTCFullYear(), cvc: '123' } }));
    expect(res.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['input', 'card', 'expMonth'], message: expect.any(String) }]);
  });

  it('accepts a 200-character key and a card expiring this month', async () => {
    const { orderId, customerId } = await openOrder();
    const now = new Date();
    const res = await pay(
      customerId,
      payInput(orderId, TEST_CARDS.succeeds, { idempotencyKey: 'é'.repeat(200), card: { number: TEST_CARDS.succeeds, expMonth: now.getUTCMonth() + 1, expYear: now.getUTCFullYear(), cvc: '1234' } }),
    );
    expect(res.payment?.status).toBe('SUCCEEDED');
  });

  it('an unknown order, or another customer\'s, is NOT_FOUND (a stranger learns nothing, at once)', async () => {
    const before = await counts(db.orm);
    const unknown = await pay(randomUUID(), payInput(randomUUID()));
    expect(unknown).toEqual({ payment: null, userErrors: [{ code: 'NOT_FOUND', field: ['input', 'orderId'], message: expect.any(String) }] });
    const { orderId } = await openOrder();
    const started = Date.now();
    const stranger = await pay(randomUUID(), payInput(orderId));
    expect(Date.now() - started).toBeLessThan(500);
    expect(stranger).toEqual(unknown);
    const admin = await s.payments.payOrder(ctxOf(logger, randomUUID(), ['ADMIN']), payInput(orderId));
    expect(admin.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
    expect(await counts(db.orm)).toEqual(before);
  });

  it('an order not awaiting payment yet is waited for, then INVALID_STATE', async () => {
    const orderId = randomUUID();
    const customerId = randomUUID();
    await s.projection.handle(orderPlaced(orderId, customerId));
    const started = Date.now();
    const res = await pay(customerId, payInput(orderId));
    expect(Date.now() - started).toBeGreaterThanOrEqual(980);
    expect(res.userErrors.map((e) => e.code)).toEqual(['INVALID_STATE']);
    expect(await paymentsOf(db.orm, orderId)).toEqual([]);
  });

  it('OrderAwaitingPayment arriving while payOrder waits is paid', async () => {
    const orderId = randomUUID();
    const customerId = randomUUID();
    const paying = pay(customerId, payInput(orderId));
    await new Promise((r) => setTimeout(r, 100));
    await s.projection.handle(orderPlaced(orderId, customerId));
    await s.projection.handle(orderAwaitingPayment(orderId, customerId, 1234));
    const res = await paying;
    expect(res.payment).toMatchObject({ status: 'SUCCEEDED', amountMinor: 1234 });
  });

  it('a paid, cancelled, expired or overdue order → INVALID_STATE', async () => {
    const paid = await openOrder();
    expect((await pay(paid.customerId, payInput(paid.orderId))).payment?.status).toBe('SUCCEEDED');
    const again = await pay(paid.customerId, payInput(paid.orderId));
    expect(again.userErrors.map((e) => e.code)).toEqual(['INVALID_STATE']);
    await s.projection.handle(orderEvent('OrderConfirmed', paid.orderId));
    expect((await pay(paid.customerId, payInput(paid.orderId))).userErrors.map((e) => e.code)).toEqual(['INVALID_STATE']);

    for (const type of ['OrderCancelled', 'OrderExpired'] as const) {
      const o = await openOrder();
      await s.projection.handle(orderEvent(type, o.orderId));
      expect((await pay(o.customerId, payInput(o.orderId))).userErrors.map((e) => e.code)).toEqual(['INVALID_STATE']);
      expect(await paymentsOf(db.orm, o.orderId)).toEqual([]);
    }

    const overdue = await openOrder(2599, new Date(Date.now() - 1_000));
    expect((await pay(overdue.customerId, payInput(overdue.orderId))).userErrors.map((e) => e.code)).toEqual(['INVALID_STATE']);
    expect(await paymentsOf(db.orm, overdue.orderId)).toEqual([]);
  });
});

describe('idempotency keys', () => {
  it('the same key and request returns the first payment (no second charge), even after the order moved on', async () => {
    const { orderId, customerId } = await openOrder();
    const input = payInput(orderId);
    const first = await pay(customerId, input);
    const again = await pay(customerId, { ...input, card: { ...input.card, number: '4242424242424242', cvc: '111' } });
    expect(again).toEqual(first);
    await s.projection.handle(orderEvent('OrderConfirmed', orderId));
    expect((await pay(customerId, input)).payment?.id).toBe(first.payment!.id);
    expect(await paymentsOf(db.orm, orderId)).toHaveLength(1);
    expect(await outboxEvents(db.orm, orderId)).toHaveLength(1);
  });

  it('a declined payment is returned again with PAYMENT_DECLINED for the same key', async () => {
    const { orderId, customerId } = await openOrder();
    const input = payInput(orderId, TEST_CARDS.declined);
    const first = await pay(customerId, input);
    expect(await pay(customerId, input)).toEqual(first);
    expect(await outboxEvents(db.orm, orderId)).toHaveLength(1);
  });

  it('the same key with another card, expiry or order → IDEMPOTENCY_CONFLICT', async () => {
    const { orderId, customerId } = await openOrder();
    const input = payInput(orderId);
    await pay(customerId, input);
    const conflict = [{ code: 'IDEMPOTENCY_CONFLICT', field: ['input', 'idempotencyKey'], message: expect.any(String) }];
    expect((await pay(customerId, { ...input, card: { ...input.card, number: '5555555555554444' } })).userErrors).toEqual(conflict);
    expect((await pay(customerId, { ...input, card: { ...input.card, expMonth: 11 } })).userErrors).toEqual(conflict);
    const sameCustomerOrder = randomUUID();
    await s.projection.handle(orderAwaitingPayment(sameCustomerOrder, customerId));
    expect((await pay(customerId, { ...input, orderId: sameCustomerOrder })).userErrors).toEqual(conflict);
    expect(await paymentsOf(db.orm, sameCustomerOrder)).toEqual([]);
    const otherOrder = await openOrder();
    // Keys are per customer: another customer may use the same key.
    expect((await pay(otherOrder.customerId, { ...input, orderId: otherOrder.orderId })).payment?.status).toBe('SUCCEEDED');
    expect(await paymentsOf(db.orm, orderId)).toHaveLength(1);
  });

  it('concurrent duplicates make one payment and one event', async () => {
    const { orderId, customerId } = await openOrder();
    const input = payInput(orderId);
    const results = await Promise.all(Array.from({ length: 12 }, () => pay(customerId, input)));
    expect(new Set(results.map((r) => r.payment?.id)).size).toBe(1);
    expect(results.every((r) => r.userErrors.length === 0 && r.payment?.status === 'SUCCEEDED')).toBe(true);
    expect(await paymentsOf(db.orm, orderId)).toHaveLength(1);
    expect(await outboxEvents(db.orm, orderId)).toHaveLength(1);
  });

  it('concurrent payments of one order with different keys charge once; the others are INVALID_STATE', async () => {
    const { orderId, customerId } = await openOrder();
    const results = await Promise.all(Array.from({ length: 10 }, () => pay(customerId, payInput(orderId))));
    expect(results.filter((r) => r.payment?.status === 'SUCCEEDED')).toHaveLength(1);
    expect(results.filter((r) => r.userErrors[0]?.code === 'INVALID_STATE')).toHaveLength(9);
    expect(await paymentsOf(db.orm, orderId)).toHaveLength(1);
  });

  it('one key used concurrently for two orders: one payment, the other request conflicts', async () => {
    const customerId = randomUUID();
    const orders = [randomUUID(), randomUUID()];
    for (const orderId of orders) {
      await s.projection.handle(orderPlaced(orderId, customerId));
      await s.projection.handle(orderAwaitingPayment(orderId, customerId));
    }
    const key = randomUUID();
    const results = await Promise.all(orders.map((orderId) => pay(customerId, payInput(orderId, TEST_CARDS.succeeds, { idempotencyKey: key }))));
    expect(results.map((r) => r.payment?.status ?? r.userErrors[0]?.code).sort()).toEqual(['IDEMPOTENCY_CONFLICT', 'SUCCEEDED']);
    const all = [...(await paymentsOf(db.orm, orders[0]!)), ...(await paymentsOf(db.orm, orders[1]!))];
    expect(all).toHaveLength(1);
  });
});
