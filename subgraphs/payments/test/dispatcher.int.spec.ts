// The mock provider's deliveries: durable rows, delivered signed to the webhook after the delay, retried until 200,
// and still delivered by a dispatcher started after a crash (nothing lives only in memory).
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { closeServer, createHttpServer, listen, sendJson } from '@limitedcart/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookRoute, WEBHOOK_PATH } from '../src/routes/webhook.route.ts';
import { MockProviderDispatcher } from '../src/services/mock-provider-dispatcher.ts';
import { TEST_CARDS } from '../src/services/mock-payment-provider.ts';
import {
  capturingLogger,
  ctxOf,
  openTestDb,
  orderAwaitingPayment,
  orderEvent,
  outboxEvents,
  payInput,
  paymentsOf,
  providerEventsOf,
  SECRET,
  testServices,
  uniquePrefix,
  type TestDb,
  type TestServices,
} from './payments-harness.ts';

const DELAY_MS = 300;
let db: TestDb;
let s: TestServices;
let server: Server;
let url: string;
/** Requests the webhook answers 503 before it lets them through (a provider-side outage of our endpoint). */
let failNext = 0;
let attempts = 0;
const { logger } = capturingLogger();

beforeAll(async () => {
  db = await openTestDb(uniquePrefix('pay_dispatch'));
  s = testServices(db.orm, logger, { delayMs: DELAY_MS });
  const route = webhookRoute({ secret: SECRET, webhooks: s.webhooks, logger });
  server = createHttpServer({
    logger,
    routes: [
      {
        ...route,
        handler: async (req, res, body) => {
          attempts++;
          if (failNext > 0) {
            failNext--;
            return sendJson(res, 503, { error: 'unavailable' });
          }
          await route.handler(req, res, body);
        },
      },
    ],
  });
  const port = await listen(server, 0, '127.0.0.1');
  url = `http://127.0.0.1:${port}${WEBHOOK_PATH}`;
});

afterAll(async () => {
  if (server) await closeServer(server);
  await db?.close();
});

async function pendingPayment(): Promise<{ orderId: string; paymentId: string }> {
  const orderId = randomUUID();
  const customerId = randomUUID();
  await s.projection.handle(orderAwaitingPayment(orderId, customerId));
  const res = await s.payments.payOrder(ctxOf(logger, customerId), payInput(orderId, TEST_CARDS.asyncSucceeds));
  expect(res.payment?.status).toBe('PENDING');
  return { orderId, paymentId: res.payment!.id };
}

const statusOf = async (orderId: string) => (await paymentsOf(db.orm, orderId))[0]?.status;

describe('mock provider dispatcher', () => {
  it('delivers nothing before the delay, then the signed settlement once', async () => {
    const dispatcher = new MockProviderDispatcher({ orm: db.orm, logger, secret: SECRET, pollIntervalMs: 20 });
    const started = Date.now();
    const { orderId, paymentId } = await pendingPayment();
    dispatcher.start(url);
    try {
      await expect.poll(() => statusOf(orderId), { timeout: 10_000, interval: 20 }).toBe('SUCCEEDED');
      expect(Date.now() - started).toBeGreaterThanOrEqual(DELAY_MS - 20);
      // The row is marked delivered once the webhook's 200 is back, just after the payment changed.
      await expect.poll(() => providerEventsOf(db.orm, paymentId), { timeout: 5_000, interval: 20 }).toMatchObject([{ type: 'payment.succeeded', delivered: true }]);
      expect((await outboxEvents(db.orm, orderId)).map((e) => e.type)).toEqual(['PaymentSucceeded']);
    } finally {
      await dispatcher.stop();
    }
  });

  it('retries until the webhook answers 200', async () => {
    const dispatcher = new MockProviderDispatcher({ orm: db.orm, logger, secret: SECRET, pollIntervalMs: 20 });
    const { orderId, paymentId } = await pendingPayment();
    failNext = 2;
    attempts = 0;
    dispatcher.start(url);
    try {
      await expect.poll(() => statusOf(orderId), { timeout: 15_000, interval: 50 }).toBe('SUCCEEDED');
      const row = async () =>
        (
          await db.orm.em
            .fork()
            .execute<{ attempts: number; delivered: boolean }[]>('select attempts, delivered_at is not null as delivered from mock_provider_event where payment_id = ?', [paymentId])
        )[0];
      await expect.poll(row, { timeout: 5_000, interval: 20 }).toEqual({ attempts: 3, delivered: true });
      expect(attempts).toBe(3);
    } finally {
      await dispatcher.stop();
    }
  });

  it('a settlement scheduled before a crash is delivered by the dispatcher of the next start', async () => {
    const { orderId, paymentId } = await pendingPayment();
    // "Crash": no dispatcher ran while the delivery became due.
    await new Promise((r) => setTimeout(r, DELAY_MS + 100));
    expect(await statusOf(orderId)).toBe('PENDING');
    const restarted = new MockProviderDispatcher({ orm: db.orm, logger, secret: SECRET, pollIntervalMs: 20 });
    restarted.start(url);
    try {
      await expect.poll(() => statusOf(orderId), { timeout: 10_000, interval: 20 }).toBe('SUCCEEDED');
      await expect.poll(() => providerEventsOf(db.orm, paymentId), { timeout: 5_000, interval: 20 }).toMatchObject([{ delivered: true }]);
      expect(restarted.delivered).toBeGreaterThanOrEqual(1);
    } finally {
      await restarted.stop();
    }
  });

  it('two dispatchers (replicas) deliver each row once; refunds go the same way', async () => {
    const a = new MockProviderDispatcher({ orm: db.orm, logger, secret: SECRET, pollIntervalMs: 10 });
    const b = new MockProviderDispatcher({ orm: db.orm, logger, secret: SECRET, pollIntervalMs: 10 });
    const pending = await Promise.all(Array.from({ length: 8 }, () => pendingPayment()));
    attempts = 0;
    a.start(url);
    b.start(url);
    try {
      for (const p of pending) await expect.poll(() => statusOf(p.orderId), { timeout: 10_000, interval: 20 }).toBe('SUCCEEDED');
      await expect.poll(() => a.delivered + b.delivered, { timeout: 5_000, interval: 20 }).toBe(8);
      expect(attempts).toBe(8);
      const { orderId, paymentId } = pending[0]!;
      await s.projection.handle(orderEvent('OrderRefundRequested', orderId));
      await expect.poll(() => statusOf(orderId), { timeout: 10_000, interval: 20 }).toBe('REFUNDED');
      await expect.poll(async () => (await providerEventsOf(db.orm, paymentId)).map((e) => [e.type, e.delivered]), { timeout: 5_000, interval: 20 }).toEqual([
        ['payment.succeeded', true],
        ['refund.succeeded', true],
      ]);
      expect((await outboxEvents(db.orm, orderId)).map((e) => e.type)).toEqual(['PaymentSucceeded', 'PaymentRefunded']);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
