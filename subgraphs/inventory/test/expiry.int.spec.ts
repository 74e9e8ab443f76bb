import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HoldExpirySweeper } from '../src/services/hold-expiry.sweeper.ts';
import { HoldService } from '../src/services/hold.service.ts';
import { inventoryTopic } from '../src/services/inventory-events.ts';
import {
  openTestDb,
  openTestGate,
  orderEvent,
  orderPlaced,
  outboxEvents,
  seedStock,
  silentLogger,
  stockOf,
  uniquePrefix,
  type TestDb,
  type TestGate,
} from './inventory-harness.ts';

let db: TestDb;
let g: TestGate;
let holds: HoldService;
const topic = inventoryTopic('t.');
const sweeper = (batchSize: number) => new HoldExpirySweeper({ orm: db.orm, gate: g.gate, logger: silentLogger, topic, batchSize });

beforeAll(async () => {
  db = await openTestDb(uniquePrefix('inv_expiry'));
  g = openTestGate('inv_expiry');
  await g.gate.restoreOrders([]); // a gate with its data: nothing to restore
  holds = new HoldService({ orm: db.orm, gate: g.gate, logger: silentLogger, topic, paymentWindowSeconds: 600 });
});

afterAll(async () => {
  await db?.close();
  await g?.close();
});

async function lapse(orderIds: string[]): Promise<void> {
  await db.orm.em
    .fork()
    .execute(`update hold set expires_at = now() - interval '1 second' where order_id in (${orderIds.map(() => '?').join(', ')})`, orderIds, 'run');
}

describe('hold expiry', () => {
  it('two sweepers release each lapsed hold once and emit HoldExpired once per order; live holds stay', async () => {
    const [p1, p2] = [randomUUID(), randomUUID()];
    await seedStock(db.orm, p1, 100);
    await seedStock(db.orm, p2, 100);
    await g.gate.setStock(p1, 100);
    await g.gate.setStock(p2, 100);
    const orders = Array.from({ length: 40 }, () => ({ orderId: randomUUID(), customerId: randomUUID() }));
    for (const { orderId, customerId } of orders) {
      const lines = [{ productId: p1, quantity: 2 }, { productId: p2, quantity: 1 }];
      await g.gate.admit({ orderId, customerId, lines: lines.map((l) => ({ ...l, maxPerCustomer: null })) });
      expect((await holds.place(orderPlaced(orderId, customerId, lines))).kind).toBe('reserved');
    }
    const lapsed = orders.slice(0, 30).map((o) => o.orderId);
    await lapse(lapsed);

    // Small batches so the two sweepers really interleave.
    const a = sweeper(3);
    const b = sweeper(3);
    const drain = async (s: HoldExpirySweeper) => {
      const mine: string[] = [];
      for (;;) {
        const got = await s.sweepOnce();
        if (got.length === 0) return mine;
        mine.push(...got);
      }
    };
    const [fromA, fromB] = await Promise.all([drain(a), drain(b)]);
    expect([...fromA, ...fromB].sort()).toEqual([...lapsed].sort());
    expect(fromA.length).toBeGreaterThan(0);
    expect(fromB.length).toBeGreaterThan(0);

    const expired = (await outboxEvents(db.orm)).filter((e) => e.type === 'HoldExpired');
    expect(expired.map((e) => e.orderId).sort()).toEqual([...lapsed].sort());
    expect(await stockOf(db.orm, p1)).toEqual({ available: 80, reserved: 20, sold: 0, received: 100 });
    expect(await stockOf(db.orm, p2)).toEqual({ available: 90, reserved: 10, sold: 0, received: 100 });
    // Tokens came back for the 30 expired orders only.
    expect(await g.gate.tokens(p1)).toBe(100 - 20);
    expect(await g.gate.taken(p1, orders[0]!.customerId)).toBe(0);
    expect(await g.gate.taken(p1, orders[35]!.customerId)).toBe(2);
    expect(await sweeper(100).sweepOnce()).toEqual([]);
  });

  it('a confirm racing the sweeper: exactly one wins, and the loser is a no-op', async () => {
    const productId = randomUUID();
    await seedStock(db.orm, productId, 50);
    const orders = Array.from({ length: 20 }, () => randomUUID());
    for (const orderId of orders) await holds.place(orderPlaced(orderId, randomUUID(), [{ productId, quantity: 1 }]));
    await lapse(orders);
    const [confirms, swept] = await Promise.all([
      Promise.all(orders.map((id) => holds.handle(orderEvent('OrderConfirmed', id)))),
      (async () => {
        const all: string[] = [];
        for (let got = await sweeper(2).sweepOnce(); got.length; got = await sweeper(2).sweepOnce()) all.push(...got);
        return all;
      })(),
    ]);
    const confirmed = confirms.filter((c) => c?.kind === 'applied').length;
    expect(confirmed + swept.length).toBe(20);
    expect(await stockOf(db.orm, productId)).toEqual({ available: 30 + swept.length, reserved: 0, sold: confirmed, received: 50 });
  });

  it('the background loop expires a lapsed hold and stops cleanly', async () => {
    const productId = randomUUID();
    await seedStock(db.orm, productId, 1);
    const orderId = randomUUID();
    await holds.place(orderPlaced(orderId, randomUUID(), [{ productId, quantity: 1 }]));
    await lapse([orderId]);
    const s = new HoldExpirySweeper({ orm: db.orm, gate: g.gate, logger: silentLogger, topic, intervalMs: 20 });
    s.start();
    try {
      await expect.poll(async () => (await stockOf(db.orm, productId))?.available, { timeout: 5_000 }).toBe(1);
    } finally {
      await s.stop();
    }
  });
});
