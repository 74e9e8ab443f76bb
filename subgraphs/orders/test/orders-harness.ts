// Test helpers for the orders integration suites: a private database and Redis prefix per suite, the services wired
// as the app wires them (without HTTP and Kafka: the outbox rows are what the tests read), and event builders.
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '@limitedcart/common';
import { AdmissionGate } from '@limitedcart/common/admission';
import { createOrm, dropDatabase } from '@limitedcart/common/db';
import type { ProductSnapshot } from '@limitedcart/common/events/product-events';
import { createEnvelope, type EventEnvelope, type OutboxRelay } from '@limitedcart/common/messaging';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { ordersEntities } from '../src/entities/index.ts';
import { ordersMigrations } from '../src/migrations/index.ts';
import { CartService } from '../src/services/cart.service.ts';
import { CatalogService } from '../src/services/catalog.service.ts';
import { ordersTopic } from '../src/services/order-events.ts';
import { OrderPlacementService } from '../src/services/order-placement.service.ts';
import { OrderSagaService } from '../src/services/order-saga.service.ts';
import { OrderTransitions } from '../src/services/order-transitions.ts';
import { OrderService } from '../src/services/order.service.ts';
import { restoreGateIfLost } from '../src/services/gate-restore.ts';

const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const silentLogger = pino({ level: 'silent' });

export const ctxOf = (userId: string | null, admin = false): RequestContext => ({
  correlationId: randomUUID(),
  user: userId ? { id: userId, roles: admin ? ['ADMIN'] : ['CUSTOMER'] } : null,
  authorization: undefined,
  logger: silentLogger,
});

export interface OrdersHarness {
  orm: MikroORM;
  redis: Redis;
  gate: AdmissionGate;
  catalog: CatalogService;
  cart: CartService;
  placement: OrderPlacementService;
  orders: OrderService;
  saga: OrderSagaService;
  transitions: OrderTransitions;
  redisPrefix: string;
  close(): Promise<void>;
}

export async function openHarness(label: string, cartTtlSeconds = 3600): Promise<OrdersHarness> {
  const id = randomUUID().slice(0, 8);
  const dbName = `t_${label}_${id}_orders`;
  const orm = await createOrm({ serverUrl: SERVER_URL, dbName, entities: ordersEntities, migrations: ordersMigrations, poolMax: 30 });
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true });
  const redisPrefix = `t:${label}:${id}:`;
  const gate = new AdmissionGate(redis, redisPrefix);
  const relay = { notify() {} } as unknown as OutboxRelay;
  const topic = ordersTopic('t.');
  const catalog = new CatalogService({ orm, logger: silentLogger, arrivalWaitMs: 100 });
  const cart = new CartService({ redis, catalog, redisPrefix, ttlSeconds: cartTtlSeconds, storeCurrency: 'USD' });
  const transitions = new OrderTransitions({ topic, logger: silentLogger });
  await restoreGateIfLost(orm, gate, silentLogger); // as orders does at start: a new gate is marked as having its data
  return {
    orm,
    redis,
    gate,
    catalog,
    cart,
    transitions,
    placement: new OrderPlacementService({ orm, gate, catalog, cart, relay, topic }),
    orders: new OrderService({ orm, transitions }),
    saga: new OrderSagaService({ orm, transitions, gate, logger: silentLogger }),
    redisPrefix,
    async close() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await redis.quit();
      await orm.close(true);
      await dropDatabase(SERVER_URL, dbName);
    },
  };
}

/** A product in orders' projection and `stock` tokens in the gate. */
export async function seedProduct(
  h: OrdersHarness,
  overrides: Partial<ProductSnapshot> = {},
  stock = 100,
): Promise<ProductSnapshot> {
  const product: ProductSnapshot = {
    id: randomUUID(),
    name: 'Drop sneaker',
    priceMinor: 12_500,
    currency: 'USD',
    maxPerCustomer: null,
    active: true,
    categoryId: null,
    version: 1,
    ...overrides,
  };
  await h.catalog.onProductEvent(productEvent('ProductCreated', product));
  await h.gate.setStock(product.id, stock);
  return product;
}

export function productEvent(type: 'ProductCreated' | 'ProductUpdated' | 'ProductArchived', product: ProductSnapshot): EventEnvelope {
  return createEnvelope({ type, aggregateType: 'Product', aggregateId: product.id, payload: product });
}

export function sagaEvent(type: string, payload: { orderId: string } & Record<string, unknown>): EventEnvelope {
  return createEnvelope({ type, aggregateType: 'Order', aggregateId: payload.orderId, payload });
}

/** Outbox rows of one order (event type and payload), in sequence order. */
export async function eventsOf(h: OrdersHarness, orderId: string): Promise<{ type: string; payload: Record<string, unknown> }[]> {
  const rows = await h.orm.em
    .fork()
    .execute<{ event_type: string; envelope: { payload: Record<string, unknown> } }[]>(
      'select event_type, envelope from messaging_outbox where aggregate_id = ? order by seq',
      [orderId],
    );
  return rows.map((r) => ({ type: r.event_type, payload: r.envelope.payload }));
}
