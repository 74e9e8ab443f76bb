// The running service: Kafka in (orders.events), Kafka out (payments.events via the outbox relay), GraphQL over HTTP
// (payOrder, Order.payment / payments batched), the signed provider webhook, and the mock provider's dispatcher.
import { randomUUID } from 'node:crypto';
import { loadConfig, localTokenVerifier, TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER, type Config } from '@limitedcart/common';
import { dropDatabase } from '@limitedcart/common/db';
import { createEnvelope, KafkaMessageBus, type EventEnvelope } from '@limitedcart/common/messaging';
import { deleteKafkaArtifacts } from '@limitedcart/common/testing/kafka-cleanup';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPayments, type RunningPayments } from '../src/index.ts';
import { TEST_CARDS } from '../src/services/mock-payment-provider.ts';
import { signWebhook } from '../src/services/webhook-signature.ts';
import {
  capturingLogger,
  FUTURE_YEAR,
  orderAwaitingPayment,
  orderEvent,
  orderPlaced,
  outboxEvents,
  paymentsOf,
  providerEventsOf,
  SECRET,
  SERVER_URL,
} from './payments-harness.ts';

const prefix = `t_pay_svc_${randomUUID().slice(0, 8)}`;
const DELAY_MS = 600;
const { logger, lines } = capturingLogger();
let payments: RunningPayments;
let producer: KafkaMessageBus;
let listener: KafkaMessageBus;
let privateKey: CryptoKey;
let config: Config;
const received: EventEnvelope[] = [];

beforeAll(async () => {
  const base = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DB_PREFIX: prefix,
    TOPIC_PREFIX: `${prefix}.`,
    REDIS_PREFIX: `${prefix}:`,
    PAYMENT_WEBHOOK_SECRET: SECRET,
    PAYMENT_PROVIDER_DELAY_MS: String(DELAY_MS),
  });
  config = { ...base, ports: { ...base.ports, payments: 0 } };
  const keys = await generateKeyPair(TOKEN_ALGORITHM, { extractable: true });
  privateKey = keys.privateKey;
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'test', alg: TOKEN_ALGORITHM, use: 'sig' };
  // Waits longer than the default 2 s for OrderAwaitingPayment: a loaded test machine, Kafka in between.
  payments = await startPayments(config, logger, { verifier: localTokenVerifier({ keys: [jwk] }), awaitOrderMs: 8_000, dispatcherPollMs: 50 });
  producer = new KafkaMessageBus({ brokers: config.kafkaBrokers, clientId: `${prefix}-producer` });
  await producer.start();
  listener = new KafkaMessageBus({ brokers: config.kafkaBrokers, clientId: `${prefix}-listener` });
  await listener.subscribe({ groupId: `${prefix}.listener`, topics: [payments.topic], handler: async (e) => void received.push(e) });
  await listener.start();
});

afterAll(async () => {
  await listener?.stop();
  await producer?.stop();
  await payments?.stop();
  await dropDatabase(SERVER_URL, `${prefix}_payments`);
  await deleteKafkaArtifacts(config.kafkaBrokers, prefix);
});

const ordersTopic = () => `${prefix}.orders.events`;

const token = (userId: string, roles: string[] = ['CUSTOMER']) =>
  new SignJWT({ roles })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: 'test' })
    .setSubject(userId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(privateKey);

interface Body<T> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

async function gql<T>(query: string, variables?: object, bearer?: string): Promise<Body<T>> {
  const res = await fetch(payments.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Body<T>;
}

const PAY = `mutation PayOrder($input: PayOrderInput!) {
  payOrder(input: $input) {
    payment { id status amount { amount currencyCode } last4 failureReason createdAt updatedAt order { id } }
    userErrors { code field message }
  }
}`;
const ENTITIES = `query ($reps: [_Any!]!) {
  _entities(representations: $reps) { ... on Order { id payment { id status last4 } payments { id status amount { amount currencyCode } } } }
}`;

interface PaymentJson {
  id: string;
  status: string;
  amount: { amount: string; currencyCode: string };
  last4: string;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
  order: { id: string };
}
type PayBody = Body<{ payOrder: { payment: PaymentJson | null; userErrors: { code: string; field: string[] | null; message: string }[] } }>;

const card = (number: string) => ({ number, expMonth: 12, expYear: FUTURE_YEAR, cvc: '987' });
const payOrder = async (customerId: string, orderId: string, number: string = TEST_CARDS.succeeds, idempotencyKey: string = randomUUID()) =>
  gql(PAY, { input: { orderId, card: card(number), idempotencyKey } }, await token(customerId)) as Promise<PayBody>;

/** Publishes OrderPlaced and OrderAwaitingPayment (the latter twice, as a redelivery) to orders.events. */
async function openOrderOnKafka(amountMinor = 2599): Promise<{ orderId: string; customerId: string }> {
  const orderId = randomUUID();
  const customerId = randomUUID();
  const awaiting = orderAwaitingPayment(orderId, customerId, amountMinor);
  await producer.publish(ordersTopic(), [orderPlaced(orderId, customerId), awaiting, awaiting]);
  return { orderId, customerId };
}

const publishedFor = (orderId: string) => received.filter((e) => e.aggregateId === orderId);

async function postWebhook(body: string, signature?: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(payments.webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature !== undefined ? { 'x-signature': signature } : {}) },
    body,
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

describe('payments service', () => {
  it('pays an order right after orders.events opened it, and publishes PaymentSucceeded on payments.events', async () => {
    const { orderId, customerId } = await openOrderOnKafka(2599);
    // Paid at once: payOrder waits for the projection to catch up.
    const res = await payOrder(customerId, orderId, '4242 4242 4242 4242');
    expect(res.errors).toBeUndefined();
    const payment = res.data!.payOrder.payment!;
    expect(res.data!.payOrder.userErrors).toEqual([]);
    expect(payment).toEqual({
      id: expect.any(String),
      status: 'SUCCEEDED',
      amount: { amount: '25.99', currencyCode: 'USD' },
      last4: '4242',
      failureReason: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      updatedAt: expect.stringMatching(/Z$/),
      order: { id: orderId },
    });
    await expect.poll(() => publishedFor(orderId).length, { timeout: 20_000 }).toBe(1);
    expect(publishedFor(orderId)[0]).toMatchObject({
      type: 'PaymentSucceeded',
      aggregateType: 'Order',
      aggregateId: orderId,
      payload: { orderId, paymentId: payment.id, amountMinor: 2599, currency: 'USD' },
    });
  });

  it('payOrder needs a login; bad input is INVALID_INPUT with its field path; declines return the payment', async () => {
    const anonymous = await gql(PAY, { input: { orderId: randomUUID(), card: card(TEST_CARDS.succeeds), idempotencyKey: 'k' } });
    expect(anonymous.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);

    const { orderId, customerId } = await openOrderOnKafka();
    const bad = (await gql(PAY, { input: { orderId, card: { ...card('4242 4242 4242 4241'), cvc: '1' }, idempotencyKey: 'k' } }, await token(customerId))) as PayBody;
    expect(bad.data?.payOrder).toEqual({
      payment: null,
      userErrors: [
        { code: 'INVALID_INPUT', field: ['input', 'card', 'number'], message: expect.any(String) },
        { code: 'INVALID_INPUT', field: ['input', 'card', 'cvc'], message: expect.any(String) },
      ],
    });
    const declined = await payOrder(customerId, orderId, TEST_CARDS.insufficientFunds);
    expect(declined.data?.payOrder.payment).toMatchObject({ status: 'FAILED', failureReason: 'insufficient_funds', last4: '9995' });
    expect(declined.data?.payOrder.userErrors.map((e) => e.code)).toEqual(['PAYMENT_DECLINED']);
    const stranger = await payOrder(randomUUID(), orderId);
    expect(stranger.data?.payOrder.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
  });

  it('an asynchronous card settles through the signed webhook after the provider delay (dispatcher)', async () => {
    const { orderId, customerId } = await openOrderOnKafka();
    const started = Date.now();
    const res = await payOrder(customerId, orderId, TEST_CARDS.asyncSucceeds);
    const payment = res.data!.payOrder.payment!;
    expect(payment.status).toBe('PENDING');
    await expect.poll(async () => (await paymentsOf(payments.orm, orderId))[0]?.status, { timeout: DELAY_MS + 10_000, interval: 50 }).toBe('SUCCEEDED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(DELAY_MS - 20);
    await expect.poll(() => providerEventsOf(payments.orm, payment.id), { timeout: 5_000, interval: 20 }).toMatchObject([{ type: 'payment.succeeded', delivered: true }]);
    await expect.poll(() => publishedFor(orderId).map((e) => e.type), { timeout: 20_000 }).toEqual(['PaymentSucceeded']);
  });

  it('the webhook: 400 for a missing, wrong or stale signature (nothing changes); 200 once per event id', async () => {
    const { orderId, customerId } = await openOrderOnKafka();
    const paymentId = (await payOrder(customerId, orderId, TEST_CARDS.asyncSucceeds)).data!.payOrder.payment!.id;
    // This test plays the provider itself: the scheduled settlement is taken out of the dispatcher's hands.
    await payments.orm.em.fork().execute('update mock_provider_event set delivered_at = now() where payment_id = ?', [paymentId], 'run');
    const body = JSON.stringify({ id: `evt_${randomUUID()}`, type: 'payment.failed', data: { paymentId, failureReason: 'card_declined' } });
    const now = Math.floor(Date.now() / 1000);

    for (const signature of [undefined, '', signWebhook('whsec_someone_else_entirely', body, now), signWebhook(SECRET, body, now - 301), signWebhook(SECRET, body, now + 301), `t=${now},v1=${'0'.repeat(64)}`]) {
      const res = await postWebhook(body, signature);
      expect(res.status).toBe(400);
    }
    // A body changed after signing.
    expect((await postWebhook(body.replace('card_declined', 'card_declinex'), signWebhook(SECRET, body, now))).status).toBe(400);
    expect((await paymentsOf(payments.orm, orderId))[0]?.status).toBe('PENDING');
    expect(await outboxEvents(payments.orm, orderId)).toEqual([]);

    const first = await postWebhook(body, signWebhook(SECRET, body));
    expect(first).toEqual({ status: 200, json: { received: true, outcome: 'applied' } });
    const replay = await postWebhook(body, signWebhook(SECRET, body));
    expect(replay).toEqual({ status: 200, json: { received: true, outcome: 'duplicate' } });
    expect(await paymentsOf(payments.orm, orderId)).toMatchObject([{ status: 'FAILED', failure_reason: 'card_declined' }]);
    expect((await outboxEvents(payments.orm, orderId)).map((e) => e.type)).toEqual(['PaymentFailed']);
    await expect.poll(() => publishedFor(orderId).map((e) => e.type), { timeout: 20_000 }).toEqual(['PaymentFailed']);

    const unknown = JSON.stringify({ id: `evt_${randomUUID()}`, type: 'payment.succeeded', data: { paymentId: randomUUID() } });
    expect(await postWebhook(unknown, signWebhook(SECRET, unknown))).toEqual({ status: 200, json: { received: true, outcome: 'unknown-payment' } });
    const notAnEvent = JSON.stringify({ id: 'evt_x', type: 'charge.disputed', data: { paymentId } });
    expect((await postWebhook(notAnEvent, signWebhook(SECRET, notAnEvent))).status).toBe(400);
    expect((await postWebhook('{"id":', signWebhook(SECRET, '{"id":'))).status).toBe(400);
    const huge = JSON.stringify({ id: 'evt_big', type: 'payment.succeeded', data: { paymentId, pad: 'x'.repeat(1024 * 1024) } });
    expect((await postWebhook(huge, signWebhook(SECRET, huge))).status).toBe(413);
  });

  it('OrderRefundRequested over Kafka refunds once: REFUNDED and one PaymentRefunded, whatever the duplicates', async () => {
    const { orderId, customerId } = await openOrderOnKafka(1500);
    const paymentId = (await payOrder(customerId, orderId)).data!.payOrder.payment!.id;
    const request = orderEvent('OrderRefundRequested', orderId);
    await producer.publish(ordersTopic(), [orderEvent('OrderConfirmed', orderId), request, request, orderEvent('OrderRefundRequested', orderId)]);
    await expect.poll(async () => (await paymentsOf(payments.orm, orderId))[0]?.status, { timeout: DELAY_MS + 20_000, interval: 100 }).toBe('REFUNDED');
    await expect.poll(() => publishedFor(orderId).map((e) => e.type), { timeout: 20_000 }).toEqual(['PaymentSucceeded', 'PaymentRefunded']);
    expect(publishedFor(orderId)[1]?.payload).toEqual({ orderId, paymentId, amountMinor: 1500, currency: 'USD' });
    expect((await providerEventsOf(payments.orm, paymentId)).map((e) => e.type)).toEqual(['refund.succeeded']);
  });

  it('Order.payment / payments: batched in one query, oldest first, for the owner and ADMINs only', async () => {
    const customer = randomUUID();
    const orders: string[] = [];
    for (let i = 0; i < 3; i++) {
      const orderId = randomUUID();
      orders.push(orderId);
      await producer.publish(ordersTopic(), [createEnvelope({ type: 'OrderAwaitingPayment', aggregateType: 'Order', aggregateId: orderId, payload: orderAwaitingPayment(orderId, customer, 1000 + i).payload })]);
    }
    expect((await payOrder(customer, orders[0]!, TEST_CARDS.declined)).data?.payOrder.payment?.status).toBe('FAILED');
    expect((await payOrder(customer, orders[0]!)).data?.payOrder.payment?.status).toBe('SUCCEEDED');
    expect((await payOrder(customer, orders[1]!)).data?.payOrder.payment?.status).toBe('SUCCEEDED');
    const reps = [...orders, randomUUID()].map((id) => ({ __typename: 'Order', id }));

    const before = lines.length;
    type Entities = Body<{ _entities: { id: string; payment: { id: string; status: string; last4: string } | null; payments: { status: string; amount: { amount: string } }[] }[] }>;
    const mine = (await gql(ENTITIES, { reps }, await token(customer))) as Entities;
    expect(mine.errors).toBeUndefined();
    const queries = lines.slice(before).filter((l) => /"sql":"[^"]*from payment /i.test(l));
    expect(queries).toHaveLength(1);
    const [a, b, c, unknown] = mine.data!._entities;
    expect(a).toMatchObject({ id: orders[0], payment: { status: 'SUCCEEDED', last4: '4242' } });
    expect(a!.payments).toEqual([
      { status: 'FAILED', amount: { amount: '10.00' } },
      { status: 'SUCCEEDED', amount: { amount: '10.00' } },
    ].map((p) => ({ id: expect.any(String), ...p, amount: { ...p.amount, currencyCode: 'USD' } })));
    expect(b!.payments.map((p) => p.amount.amount)).toEqual(['10.01']);
    expect(c).toEqual({ id: orders[2], payment: null, payments: [] });
    expect(unknown).toEqual({ id: reps[3]!.id, payment: null, payments: [] });

    const stranger = (await gql(ENTITIES, { reps: reps.slice(0, 2) }, await token(randomUUID()))) as Entities;
    expect(stranger.data!._entities.map((o) => [o.payment, o.payments])).toEqual([[null, []], [null, []]]);
    const anonymous = (await gql(ENTITIES, { reps: reps.slice(0, 1) })) as Entities;
    expect(anonymous.data!._entities[0]).toEqual({ id: orders[0], payment: null, payments: [] });
    const admin = (await gql(ENTITIES, { reps: reps.slice(0, 2) }, await token(randomUUID(), ['ADMIN']))) as Entities;
    expect(admin.data!._entities.map((o) => o.payments.length)).toEqual([2, 1]);
  });

  it('never logs a card number or a cvc', () => {
    const logged = lines.join('\n');
    expect(logged).toMatch(/"last4":"4242"/);
    expect(logged).not.toMatch(/4242424242424242|4242 4242 4242 4242|4000000000003220|4000000000009995|4000000000000002|"cvc"/);
  });
});
