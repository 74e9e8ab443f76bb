// The running service: Kafka in (orders.events, products.events), Kafka out (inventory.events via the outbox relay),
// GraphQL over HTTP (Product fields batched, restock), and the gate's tokens set from PostgreSQL.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { loadConfig, localTokenVerifier, TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER, type Config } from '@limitedcart/common';
import { dropDatabase } from '@limitedcart/common/db';
import type { ProductCreatedPayload } from '@limitedcart/common/events/product-events';
import { createEnvelope, KafkaMessageBus, type EventEnvelope } from '@limitedcart/common/messaging';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import kafkajs from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInventory, type RunningInventory } from '../src/index.ts';
import { orderPlaced, outboxEvents, SERVER_URL, stockOf } from './inventory-harness.ts';

const prefix = `t_inv_svc_${randomUUID().slice(0, 8)}`;
const sqlLines: string[] = [];
let inventory: RunningInventory;
let producer: KafkaMessageBus;
let listener: KafkaMessageBus;
let privateKey: CryptoKey;
let config: Config;
const received: EventEnvelope[] = [];

beforeAll(async () => {
  const base = loadConfig({ ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', DB_PREFIX: prefix, TOPIC_PREFIX: `${prefix}.`, REDIS_PREFIX: `${prefix}:` });
  config = { ...base, ports: { ...base.ports, inventory: 0 } };
  const keys = await generateKeyPair(TOKEN_ALGORITHM, { extractable: true });
  privateKey = keys.privateKey;
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'test', alg: TOKEN_ALGORITHM, use: 'sig' };
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        const parsed = JSON.parse(line) as { sql?: string };
        if (typeof parsed.sql === 'string') sqlLines.push(parsed.sql);
      }
      done();
    },
  });
  inventory = await startInventory(config, pino({ level: 'debug' }, sink), {
    verifier: localTokenVerifier({ keys: [jwk] }),
    restockWaitMs: 5_000,
  });
  producer = new KafkaMessageBus({ brokers: config.kafkaBrokers, clientId: `${prefix}-producer` });
  await producer.start();
  listener = new KafkaMessageBus({ brokers: config.kafkaBrokers, clientId: `${prefix}-listener` });
  await listener.subscribe({ groupId: `${prefix}.listener`, topics: [inventory.topic], handler: async (e) => void received.push(e) });
  await listener.start();
});

afterAll(async () => {
  await listener?.stop();
  await producer?.stop();
  if (inventory) {
    const keys = await inventory.redis.keys(`${prefix}:*`);
    if (keys.length) await inventory.redis.del(...keys);
    await inventory.stop();
  }
  await dropDatabase(SERVER_URL, `${prefix}_inventory`);
  await deleteTopics();
});

/** The topics this suite's buses created (all under its prefix). */
async function deleteTopics(): Promise<void> {
  const admin = new kafkajs.Kafka({ brokers: config.kafkaBrokers, clientId: `${prefix}-cleanup`, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    if (topics.length) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

const token = (roles: string[]) =>
  new SignJWT({ roles })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: 'test' })
    .setSubject(randomUUID())
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
  const res = await fetch(inventory.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Body<T>;
}

function productCreated(initialStock: number, id: string = randomUUID()): EventEnvelope<ProductCreatedPayload> {
  return createEnvelope({
    type: 'ProductCreated',
    aggregateType: 'Product',
    aggregateId: id,
    payload: { id, name: 'Drop', priceMinor: 1999, currency: 'USD', maxPerCustomer: 2, active: true, categoryId: null, version: 1, initialStock },
  });
}

const RESTOCK = `mutation Restock($input: RestockInput!) {
  restock(input: $input) { stock { available reserved sold } userErrors { code field message } }
}`;
const ENTITIES = `query ($reps: [_Any!]!) {
  _entities(representations: $reps) { ... on Product { id inStock availableQuantity } }
}`;
const ADMIN_ENTITIES = `query ($reps: [_Any!]!) {
  _entities(representations: $reps) { ... on Product { id stock { available reserved sold } } }
}`;

describe('inventory service', () => {
  it('creates stock from ProductCreated, holds OrderPlaced from Kafka and publishes the answers', async () => {
    const created = productCreated(10);
    const productId = created.payload.id;
    await producer.publish(`${prefix}.products.events`, [created, created]);
    await expect.poll(() => stockOf(inventory.orm, productId), { timeout: 20_000 }).toEqual({ available: 10, reserved: 0, sold: 0, received: 10 });
    expect(await inventory.gate.tokens(productId)).toBe(10);

    const orders = Array.from({ length: 30 }, () => orderPlaced(randomUUID(), randomUUID(), [{ productId, quantity: 1 }]));
    // Every 3rd order delivered twice.
    await producer.publish(`${prefix}.orders.events`, [...orders, ...orders.filter((_, i) => i % 3 === 0)]);
    const ids = new Set(orders.map((o) => o.payload.orderId));
    await expect
      .poll(async () => new Set(received.filter((e) => ids.has(e.aggregateId)).map((e) => e.aggregateId)).size, { timeout: 30_000 })
      .toBe(30);
    const answers = (await outboxEvents(inventory.orm)).filter((e) => ids.has(e.orderId));
    expect(answers).toHaveLength(30);
    expect(answers.filter((a) => a.type === 'StockReserved')).toHaveLength(10);
    expect(answers.filter((a) => a.type === 'StockRejected')).toHaveLength(20);
    expect(await stockOf(inventory.orm, productId)).toEqual({ available: 0, reserved: 10, sold: 0, received: 10 });
    const onKafka = received.filter((e) => ids.has(e.aggregateId));
    expect(new Set(onKafka.map((e) => e.id)).size).toBe(30);
    expect(onKafka.every((e) => e.metadata.causationId !== undefined)).toBe(true);
  });

  it('restock works right after ProductCreated is published (before it is consumed)', async () => {
    const created = productCreated(5);
    await producer.publish(`${prefix}.products.events`, [created]);
    const res = await gql<{ restock: { stock: unknown; userErrors: unknown[] } }>(
      RESTOCK,
      { input: { productId: created.payload.id, quantity: 7 } },
      await token(['ADMIN']),
    );
    expect(res.data?.restock).toEqual({ stock: { available: 12, reserved: 0, sold: 0 }, userErrors: [] });
    expect(await inventory.gate.tokens(created.payload.id)).toBe(12);
  });

  it('restock refuses unknown products, bad quantities and non-admins', async () => {
    const admin = await token(['ADMIN']);
    const started = Date.now();
    const unknown = await gql<{ restock: unknown }>(RESTOCK, { input: { productId: randomUUID(), quantity: 1 } }, admin);
    expect(unknown.data?.restock).toEqual({ stock: null, userErrors: [{ code: 'NOT_FOUND', field: ['input', 'productId'], message: expect.any(String) }] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);

    const created = productCreated(1);
    await producer.publish(`${prefix}.products.events`, [created]);
    for (const quantity of [0, -3, 1_000_001]) {
      const bad = await gql<{ restock: unknown }>(RESTOCK, { input: { productId: created.payload.id, quantity } }, admin);
      expect(bad.data?.restock).toEqual({ stock: null, userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'quantity'], message: expect.any(String) }] });
    }
    const max = await gql<{ restock: { stock: { available: number } } }>(RESTOCK, { input: { productId: created.payload.id, quantity: 1_000_000 } }, admin);
    expect(max.data?.restock.stock.available).toBe(1_000_001);

    const customer = await gql(RESTOCK, { input: { productId: created.payload.id, quantity: 1 } }, await token(['CUSTOMER']));
    expect(customer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await gql(RESTOCK, { input: { productId: created.payload.id, quantity: 1 } });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await stockOf(inventory.orm, created.payload.id))?.available).toBe(1_000_001);
  });

  it('resolves a page of 100 products with one stock query; stock figures are ADMIN only', async () => {
    const created = Array.from({ length: 60 }, (_, i) => productCreated(i % 3));
    await producer.publish(`${prefix}.products.events`, created);
    // Keys spread over partitions, so events are consumed in no global order: wait for every stock row.
    const known = async () => (await Promise.all(created.map((c) => stockOf(inventory.orm, c.payload.id)))).filter(Boolean).length;
    await expect.poll(known, { timeout: 20_000 }).toBe(60);
    // 60 known products and 40 inventory has not heard of.
    const reps = [...created.map((c) => c.payload.id), ...Array.from({ length: 40 }, () => randomUUID())].map((id) => ({ __typename: 'Product', id }));
    const before = sqlLines.length;
    const res = await gql<{ _entities: { id: string; inStock: boolean; availableQuantity: number }[] }>(ENTITIES, { reps });
    const stockQueries = sqlLines.slice(before).filter((sql) => /from stock/i.test(sql));
    expect(stockQueries).toHaveLength(1);
    expect(res.data?._entities).toHaveLength(100);
    res.data!._entities.forEach((p, i) => {
      const expected = i < 60 ? i % 3 : 0;
      expect(p).toEqual({ id: reps[i]!.id, inStock: expected > 0, availableQuantity: expected });
    });

    const asAdmin = await gql<{ _entities: { stock: unknown }[] }>(ADMIN_ENTITIES, { reps: reps.slice(0, 3) }, await token(['ADMIN']));
    expect(asAdmin.data?._entities.map((p) => p.stock)).toEqual([0, 1, 2].map((available) => ({ available, reserved: 0, sold: 0 })));
    const asCustomer = await gql<{ _entities: ({ stock: unknown } | null)[] }>(ADMIN_ENTITIES, { reps: reps.slice(0, 1) }, await token(['CUSTOMER']));
    expect(asCustomer.data?._entities[0]?.stock ?? null).toBeNull();
    expect(asCustomer.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('reconcile restores the gate tokens from PostgreSQL after Redis lost them', async () => {
    const created = productCreated(4);
    await producer.publish(`${prefix}.products.events`, [created]);
    await expect.poll(() => inventory.gate.tokens(created.payload.id), { timeout: 20_000 }).toBe(4);
    await inventory.redis.del(inventory.gate.keys.stock(created.payload.id));
    expect(await inventory.gate.tokens(created.payload.id)).toBeNull();
    const changed = await inventory.gateSync.reconcileNow();
    expect(changed).toContainEqual({ productId: created.payload.id, before: null, after: 4 });
    expect(await inventory.gate.tokens(created.payload.id)).toBe(4);
  });
});
