// Test helpers for the inventory integration suites: a private database per suite, a gate under a private Redis
// prefix, and builders for orders.events envelopes.
import { randomUUID } from 'node:crypto';
import { AdmissionGate } from '@limitedcart/common/admission';
import { createOrm, dropDatabase } from '@limitedcart/common/db';
import type { OrderLineRef } from '@limitedcart/common/events/order-events';
import { createEnvelope, type EventEnvelope } from '@limitedcart/common/messaging';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { inventoryEntities } from '../src/entities/index.ts';
import { inventoryMigrations } from '../src/migrations/index.ts';

export const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const silentLogger = pino({ level: 'silent' });

export function uniquePrefix(label: string): string {
  return `t_${label}_${randomUUID().slice(0, 8)}`;
}

export interface TestDb {
  orm: MikroORM;
  dbName: string;
  close(): Promise<void>;
}

export async function openTestDb(prefix: string, poolMax = 20): Promise<TestDb> {
  const dbName = `${prefix}_inventory`;
  const orm = await createOrm({ serverUrl: SERVER_URL, dbName, entities: inventoryEntities, migrations: inventoryMigrations, poolMax });
  return {
    orm,
    dbName,
    async close() {
      await orm.close(true);
      await dropDatabase(SERVER_URL, dbName);
    },
  };
}

export interface TestGate {
  redis: Redis;
  gate: AdmissionGate;
  prefix: string;
  close(): Promise<void>;
}

export function openTestGate(label: string): TestGate {
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true });
  const prefix = `t:${label}:${randomUUID().slice(0, 8)}:`;
  return {
    redis,
    gate: new AdmissionGate(redis, prefix),
    prefix,
    async close() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await redis.quit();
    },
  };
}

export async function seedStock(orm: MikroORM, productId: string, units: number): Promise<void> {
  await orm.em
    .fork()
    .execute('insert into stock (product_id, available, received) values (?, ?, ?)', [productId, units, units], 'run');
}

export interface StockRow {
  available: number;
  reserved: number;
  sold: number;
  received: number;
}

export async function stockOf(orm: MikroORM, productId: string): Promise<StockRow | undefined> {
  const [row] = await orm.em
    .fork()
    .execute<StockRow[]>('select available, reserved, sold, received from stock where product_id = ?', [productId]);
  return row;
}

/** How many hold lines a product has, and their units. */
export async function holdLinesOf(orm: MikroORM, productId: string): Promise<{ n: number; q: number } | undefined> {
  const [row] = await orm.em
    .fork()
    .execute<{ n: number; q: number }[]>('select count(*)::int as n, sum(quantity)::int as q from hold_line where product_id = ?', [productId]);
  return row;
}

export function orderPlaced(orderId: string, customerId: string, lines: OrderLineRef[]): EventEnvelope<{
  orderId: string;
  customerId: string;
  lines: OrderLineRef[];
}> {
  return createEnvelope({ type: 'OrderPlaced', aggregateType: 'Order', aggregateId: orderId, payload: { orderId, customerId, lines } });
}

export function orderEvent(type: 'OrderAwaitingPayment' | 'OrderConfirmed' | 'OrderCancelled' | 'OrderRefunded', orderId: string): EventEnvelope<{ orderId: string }> {
  return createEnvelope({ type, aggregateType: 'Order', aggregateId: orderId, payload: { orderId } });
}

/** Outbox rows (event type, order id) in sequence order. */
export async function outboxEvents(orm: MikroORM): Promise<{ type: string; orderId: string; payload: Record<string, unknown> }[]> {
  const rows = await orm.em
    .fork()
    .execute<{ event_type: string; aggregate_id: string; envelope: { payload: Record<string, unknown> } }[]>(
      'select event_type, aggregate_id, envelope from messaging_outbox order by seq',
    );
  return rows.map((r) => ({ type: r.event_type, orderId: r.aggregate_id, payload: r.envelope.payload }));
}
