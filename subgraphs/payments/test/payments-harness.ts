// Test helpers for the payments integration suites: a private database per suite, services wired as the app wires
// them (without HTTP or Kafka), orders.events envelope builders, request contexts and readers of what was written.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { RequestContext, Role } from '@limitedcart/common';
import { createOrm, dropDatabase } from '@limitedcart/common/db';
import { ORDER_AGGREGATE, type OrderAwaitingPaymentPayload } from '@limitedcart/common/events/order-events';
import { createEnvelope, type EventEnvelope } from '@limitedcart/common/messaging';
import type { MikroORM } from '@mikro-orm/postgresql';
import { pino, type Logger } from 'pino';
import { paymentsEntities } from '../src/entities/index.ts';
import { paymentsMigrations } from '../src/migrations/index.ts';
import { MockPaymentProvider, TEST_CARDS } from '../src/services/mock-payment-provider.ts';
import { OrderProjectionService } from '../src/services/order-projection.service.ts';
import { paymentsTopic } from '../src/services/payment-events.ts';
import { PaymentService, type PayOrderInput } from '../src/services/payment.service.ts';
import { WebhookService } from '../src/services/webhook.service.ts';

export const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const SECRET = 'whsec_test_payments_0123456789';

export function uniquePrefix(label: string): string {
  return `t_${label}_${randomUUID().slice(0, 8)}`;
}

/** A debug-level logger whose lines are kept (to check that no card data is ever logged). */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(line);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

export interface TestDb {
  orm: MikroORM;
  dbName: string;
  close(): Promise<void>;
}

export async function openTestDb(prefix: string, poolMax = 20): Promise<TestDb> {
  const dbName = `${prefix}_payments`;
  const orm = await createOrm({ serverUrl: SERVER_URL, dbName, entities: paymentsEntities, migrations: paymentsMigrations, poolMax });
  return {
    orm,
    dbName,
    async close() {
      await orm.close(true);
      await dropDatabase(SERVER_URL, dbName);
    },
  };
}

export interface TestServices {
  payments: PaymentService;
  projection: OrderProjectionService;
  webhooks: WebhookService;
  topic: string;
}

export function testServices(orm: MikroORM, logger: Logger, options: { delayMs?: number; awaitOrderMs?: number } = {}): TestServices {
  const topic = paymentsTopic('t.');
  const provider = new MockPaymentProvider({ delayMs: options.delayMs ?? 1_000 });
  const payments = new PaymentService({ orm, provider, logger, topic, fingerprintSecret: SECRET, awaitOrderMs: options.awaitOrderMs ?? 300, awaitOrderPollMs: 20 });
  return {
    payments,
    projection: new OrderProjectionService({ orm, payments, logger }),
    webhooks: new WebhookService({ orm, payments, logger, topic }),
    topic,
  };
}

export function ctxOf(logger: Logger, userId: string | null, roles: Role[] = ['CUSTOMER']): RequestContext {
  return { correlationId: randomUUID(), user: userId ? { id: userId, roles } : null, authorization: undefined, logger };
}

// ---------------------------------------------------------------- orders.events

export function orderPlaced(orderId: string, customerId: string): EventEnvelope {
  return createEnvelope({
    type: 'OrderPlaced',
    aggregateType: ORDER_AGGREGATE,
    aggregateId: orderId,
    payload: { orderId, customerId, lines: [{ productId: randomUUID(), quantity: 1 }] },
  });
}

export function orderAwaitingPayment(
  orderId: string,
  customerId: string,
  amountMinor = 2599,
  paymentDueAt: Date = new Date(Date.now() + 600_000),
): EventEnvelope<OrderAwaitingPaymentPayload> {
  return createEnvelope({
    type: 'OrderAwaitingPayment',
    aggregateType: ORDER_AGGREGATE,
    aggregateId: orderId,
    payload: { orderId, customerId, amountMinor, currency: 'USD', paymentDueAt: paymentDueAt.toISOString() },
  });
}

export type OrderFollowUp = 'OrderConfirmed' | 'OrderCancelled' | 'OrderExpired' | 'OrderRefundRequested' | 'OrderRefunded';

export function orderEvent(type: OrderFollowUp, orderId: string): EventEnvelope<{ orderId: string }> {
  return createEnvelope({ type, aggregateType: ORDER_AGGREGATE, aggregateId: orderId, payload: { orderId } });
}

// ---------------------------------------------------------------- inputs

export const FUTURE_YEAR = new Date().getUTCFullYear() + 3;

export function payInput(orderId: string, number: string = TEST_CARDS.succeeds, over: Partial<PayOrderInput> = {}): PayOrderInput {
  return { orderId, card: { number, expMonth: 12, expYear: FUTURE_YEAR, cvc: '987' }, idempotencyKey: randomUUID(), ...over };
}

// ---------------------------------------------------------------- readers

export interface OutboxEvent {
  type: string;
  orderId: string;
  topic: string;
  payload: Record<string, unknown>;
}

/** Outbox rows in sequence order. */
export async function outboxEvents(orm: MikroORM, orderId?: string): Promise<OutboxEvent[]> {
  const rows = await orm.em
    .fork()
    .execute<{ event_type: string; aggregate_id: string; topic: string; envelope: { payload: Record<string, unknown> } }[]>(
      `select event_type, aggregate_id, topic, envelope from messaging_outbox ${orderId ? 'where aggregate_id = ?' : ''} order by seq`,
      orderId ? [orderId] : [],
    );
  return rows.map((r) => ({ type: r.event_type, orderId: r.aggregate_id, topic: r.topic, payload: r.envelope.payload }));
}

export interface PaymentRecord {
  id: string;
  status: string;
  amount_minor: number;
  last4: string;
  failure_reason: string | null;
}

export async function paymentsOf(orm: MikroORM, orderId: string): Promise<PaymentRecord[]> {
  return orm.em
    .fork()
    .execute<PaymentRecord[]>(
      'select id, status, amount_minor::int as amount_minor, last4, failure_reason from payment where order_id = ? order by created_at, id',
      [orderId],
    );
}

export async function orderState(orm: MikroORM, orderId: string): Promise<{ state: string; closed_reason: string | null } | undefined> {
  const [row] = await orm.em
    .fork()
    .execute<{ state: string; closed_reason: string | null }[]>('select state, closed_reason from payment_order where order_id = ?', [orderId]);
  return row;
}

export interface ProviderEventRecord {
  id: string;
  type: string;
  payment_id: string;
  delay_ms: number;
  delivered: boolean;
}

export async function providerEventsOf(orm: MikroORM, paymentId: string): Promise<ProviderEventRecord[]> {
  return orm.em
    .fork()
    .execute<ProviderEventRecord[]>(
      `select id, type, payment_id, (extract(epoch from deliver_at - created_at) * 1000)::int as delay_ms, delivered_at is not null as delivered
         from mock_provider_event where payment_id = ? order by created_at, id`,
      [paymentId],
    );
}

/** Row counts of every table payOrder may write. */
export async function counts(orm: MikroORM): Promise<{ payments: number; outbox: number; provider: number }> {
  const [row] = await orm.em
    .fork()
    .execute<{ payments: number; outbox: number; provider: number }[]>(
      `select (select count(*)::int from payment) as payments, (select count(*)::int from messaging_outbox) as outbox,
              (select count(*)::int from mock_provider_event) as provider`,
    );
  return row!;
}

/** Every payment row as text, to check that no card number or cvc was stored. */
export async function storedPaymentText(orm: MikroORM): Promise<string> {
  const rows = await orm.em.fork().execute<{ t: string }[]>('select row_to_json(p)::text as t from payment p');
  return rows.map((r) => r.t).join('\n');
}
