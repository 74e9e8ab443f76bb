import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HoldService } from '../src/services/hold.service.ts';
import { inventoryTopic } from '../src/services/inventory-events.ts';
import {
  holdLinesOf,
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

beforeAll(async () => {
  db = await openTestDb(uniquePrefix('inv_holds'), 40);
  g = openTestGate('inv_holds');
  await g.gate.restoreOrders([]); // a gate with its data: nothing to restore
  holds = new HoldService({ orm: db.orm, gate: g.gate, logger: silentLogger, topic, paymentWindowSeconds: 600 });
});

afterAll(async () => {
  await db?.close();
  await g?.close();
});

const eventsOf = async (orderId: string) => (await outboxEvents(db.orm)).filter((e) => e.orderId === orderId);

describe('holds under concurrency', () => {
  it('500 orders (some delivered twice) for 50 units: exactly 50 held, 450 rejected, each answered once', async () => {
    const productId = randomUUID();
    await seedStock(db.orm, productId, 50);
    const events = Array.from({ length: 500 }, () => orderPlaced(randomUUID(), randomUUID(), [{ productId, quantity: 1 }]));
    // Every 5th event is delivered a second time, concurrently with the rest.
    const deliveries = [...events, ...events.filter((_, i) => i % 5 === 0)].sort(() => Math.random() - 0.5);
    const outcomes = await Promise.all(deliveries.map((e) => holds.place(e)));

    const kinds = outcomes.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o.kind]: (acc[o.kind] ?? 0) + 1 }), {});
    expect(kinds).toEqual({ reserved: 50, rejected: 450, duplicate: 100 });
    expect(await stockOf(db.orm, productId)).toEqual({ available: 0, reserved: 50, sold: 0, received: 50 });

    const ids = new Set(events.map((e) => e.payload.orderId));
    const answers = (await outboxEvents(db.orm)).filter((e) => ids.has(e.orderId));
    expect(answers).toHaveLength(500);
    expect(new Set(answers.map((a) => a.orderId)).size).toBe(500);
    expect(answers.filter((a) => a.type === 'StockReserved')).toHaveLength(50);
    const rejected = answers.filter((a) => a.type === 'StockRejected');
    expect(rejected).toHaveLength(450);
    expect(rejected.every((r) => r.payload.reason === 'OUT_OF_STOCK' && r.payload.productId === productId)).toBe(true);
    expect(await holdLinesOf(db.orm, productId)).toEqual({ n: 50, q: 50 });
  });

  it('multi-line orders lock in product-id order: opposite line orders never deadlock, and all-or-nothing holds', async () => {
    const [a, b] = [randomUUID(), randomUUID()].sort();
    await seedStock(db.orm, a!, 30);
    await seedStock(db.orm, b!, 20);
    const events = Array.from({ length: 60 }, (_, i) =>
      orderPlaced(randomUUID(), randomUUID(), i % 2 ? [{ productId: a!, quantity: 1 }, { productId: b!, quantity: 1 }] : [{ productId: b!, quantity: 1 }, { productId: a!, quantity: 1 }]),
    );
    const outcomes = await Promise.all(events.map((e) => holds.place(e)));
    expect(outcomes.filter((o) => o.kind === 'reserved')).toHaveLength(20);
    // The 40 rejected orders took nothing from a, though a had stock: the b line rolled their a line back.
    expect(await stockOf(db.orm, a!)).toEqual({ available: 10, reserved: 20, sold: 0, received: 30 });
    expect(await stockOf(db.orm, b!)).toEqual({ available: 0, reserved: 20, sold: 0, received: 20 });
  });

  it('an unknown product rejects the whole order with UNKNOWN_PRODUCT', async () => {
    const known = randomUUID();
    await seedStock(db.orm, known, 5);
    const orderId = randomUUID();
    const unknown = randomUUID();
    const outcome = await holds.place(orderPlaced(orderId, randomUUID(), [{ productId: known, quantity: 2 }, { productId: unknown, quantity: 1 }]));
    expect(outcome).toEqual({ kind: 'rejected', reason: 'UNKNOWN_PRODUCT', productId: unknown });
    expect(await stockOf(db.orm, known)).toMatchObject({ available: 5, reserved: 0 });
    expect(await eventsOf(orderId)).toEqual([
      { type: 'StockRejected', orderId, payload: { orderId, reason: 'UNKNOWN_PRODUCT', productId: unknown } },
    ]);
  });

  it('StockReserved carries holdExpiresAt = now + the payment window, and settles the gate record', async () => {
    const productId = randomUUID();
    await seedStock(db.orm, productId, 3);
    await g.gate.setStock(productId, 3);
    const orderId = randomUUID();
    const customerId = randomUUID();
    expect(await g.gate.admit({ orderId, customerId, lines: [{ productId, quantity: 2, maxPerCustomer: null }] })).toEqual({ admitted: true, earlier: false });
    expect(await g.gate.pending(productId)).toBe(2);
    const before = Date.now();
    const outcome = await holds.place(orderPlaced(orderId, customerId, [{ productId, quantity: 2 }]));
    expect(outcome.kind).toBe('reserved');
    const expiresAt = Date.parse((outcome as { holdExpiresAt: string }).holdExpiresAt);
    expect(expiresAt).toBeGreaterThan(before + 599_000);
    expect(expiresAt).toBeLessThan(Date.now() + 601_000);
    expect(await g.gate.pending(productId)).toBe(0);
    expect(await eventsOf(orderId)).toEqual([{ type: 'StockReserved', orderId, payload: { orderId, holdExpiresAt: new Date(expiresAt).toISOString() } }]);
  });
});

describe('transitions', () => {
  async function heldOrder(units = 10, quantity = 3) {
    const productId = randomUUID();
    await seedStock(db.orm, productId, units);
    await g.gate.setStock(productId, units);
    const orderId = randomUUID();
    const customerId = randomUUID();
    await g.gate.admit({ orderId, customerId, lines: [{ productId, quantity, maxPerCustomer: 5 }] });
    expect((await holds.place(orderPlaced(orderId, customerId, [{ productId, quantity }]))).kind).toBe('reserved');
    return { productId, orderId, customerId };
  }

  it('confirm moves held to sold once; redelivery and a second confirm change nothing', async () => {
    const { productId, orderId } = await heldOrder();
    const confirm = orderEvent('OrderConfirmed', orderId);
    expect(await holds.handle(confirm)).toEqual({ kind: 'applied' });
    expect(await holds.handle(confirm)).toEqual({ kind: 'duplicate' });
    expect(await holds.handle(orderEvent('OrderConfirmed', orderId))).toEqual({ kind: 'ignored', status: 'COMMITTED' });
    expect(await stockOf(db.orm, productId)).toEqual({ available: 7, reserved: 0, sold: 3, received: 10 });
    expect((await eventsOf(orderId)).map((e) => e.type)).toEqual(['StockReserved', 'StockCommitted']);
  });

  it('cancel releases the hold and the gate record once; cancel after confirm is a no-op', async () => {
    const { productId, orderId, customerId } = await heldOrder();
    expect(await g.gate.tokens(productId)).toBe(7);
    const cancel = orderEvent('OrderCancelled', orderId);
    const results = await Promise.all([holds.handle(cancel), holds.handle(cancel), holds.handle(orderEvent('OrderCancelled', orderId))]);
    expect(results.filter((r) => r?.kind === 'applied')).toHaveLength(1);
    expect(await stockOf(db.orm, productId)).toEqual({ available: 10, reserved: 0, sold: 0, received: 10 });
    expect(await g.gate.tokens(productId)).toBe(10);
    expect(await g.gate.taken(productId, customerId)).toBe(0);
    expect((await eventsOf(orderId)).map((e) => e.type)).toEqual(['StockReserved', 'StockReleased']);

    const confirmed = await heldOrder();
    await holds.handle(orderEvent('OrderConfirmed', confirmed.orderId));
    expect(await holds.handle(orderEvent('OrderCancelled', confirmed.orderId))).toEqual({ kind: 'ignored', status: 'COMMITTED' });
    expect(await stockOf(db.orm, confirmed.productId)).toEqual({ available: 7, reserved: 0, sold: 3, received: 10 });
  });

  it('refund returns sold stock once; refund of a merely held order is a no-op', async () => {
    const { productId, orderId } = await heldOrder();
    expect(await holds.handle(orderEvent('OrderRefunded', orderId))).toEqual({ kind: 'ignored', status: 'HELD' });
    await holds.handle(orderEvent('OrderConfirmed', orderId));
    const refund = orderEvent('OrderRefunded', orderId);
    expect(await holds.handle(refund)).toEqual({ kind: 'applied' });
    expect(await holds.handle(refund)).toEqual({ kind: 'duplicate' });
    expect(await holds.handle(orderEvent('OrderRefunded', orderId))).toEqual({ kind: 'ignored', status: 'RETURNED' });
    expect(await stockOf(db.orm, productId)).toEqual({ available: 10, reserved: 0, sold: 0, received: 10 });
    expect(await g.gate.tokens(productId)).toBe(10);
  });

  it('events for unknown orders are ignored, other order event types are skipped', async () => {
    expect(await holds.handle(orderEvent('OrderConfirmed', randomUUID()))).toEqual({ kind: 'ignored', status: null });
    const other = { ...orderEvent('OrderConfirmed', randomUUID()), type: 'OrderAwaitingPayment' };
    expect(await holds.handle(other)).toBeUndefined();
  });

  it('a malformed OrderPlaced is non-retryable (DLQ), and takes nothing', async () => {
    const productId = randomUUID();
    await seedStock(db.orm, productId, 5);
    await expect(holds.place(orderPlaced(randomUUID(), randomUUID(), [{ productId, quantity: 0 }]))).rejects.toThrow(/positive integer/);
    expect(await stockOf(db.orm, productId)).toMatchObject({ available: 5, reserved: 0 });
  });
});

describe('holds in batches (placeMany / handleBatch)', () => {
  const chunks = <T>(list: T[], size: number): T[][] => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, i * size + size));

  it('600 orders (some delivered twice, some in one batch twice) in concurrent batches for 50 units: exactly 50 held, each answered once', async () => {
    const productId = randomUUID();
    await seedStock(db.orm, productId, 50);
    const events = Array.from({ length: 600 }, () => orderPlaced(randomUUID(), randomUUID(), [{ productId, quantity: 1 }]));
    // Every 5th event is delivered again in another batch, every 7th twice within its own batch.
    const deliveries = [...events.flatMap((e, i) => (i % 7 === 0 ? [e, e] : [e])), ...events.filter((_, i) => i % 5 === 0)].sort(() => Math.random() - 0.5);
    const outcomes = (await Promise.all(chunks(deliveries, 40).map((batch) => holds.placeMany(batch)))).flat();

    expect(outcomes.filter((o) => o.kind === 'reserved')).toHaveLength(50);
    expect(outcomes.filter((o) => o.kind === 'rejected')).toHaveLength(550);
    expect(await stockOf(db.orm, productId)).toEqual({ available: 0, reserved: 50, sold: 0, received: 50 });
    const ids = new Set(events.map((e) => e.payload.orderId));
    const answers = (await outboxEvents(db.orm)).filter((e) => ids.has(e.orderId));
    expect(answers).toHaveLength(600);
    expect(new Set(answers.map((a) => a.orderId)).size).toBe(600);
    expect(answers.filter((a) => a.type === 'StockReserved')).toHaveLength(50);
    // The gate's records of the 50 held orders were settled; the rejected ones were not.
    const reservedIds = answers.filter((a) => a.type === 'StockReserved').map((a) => a.orderId);
    expect(await Promise.all(reservedIds.slice(0, 5).map((id) => g.gate.settle(id)))).toEqual([false, false, false, false, false]);
    expect(await holdLinesOf(db.orm, productId)).toEqual({ n: 50, q: 50 });
  });

  it('decides a batch as place() would one after another: all-or-nothing lines, the first short line named, unknown products', async () => {
    const [a, b] = [randomUUID(), randomUUID()].sort();
    await seedStock(db.orm, a!, 3);
    await seedStock(db.orm, b!, 1);
    const unknown = randomUUID();
    const ids = Array.from({ length: 5 }, () => randomUUID());
    const outcomes = await holds.placeMany([
      orderPlaced(ids[0]!, randomUUID(), [{ productId: a!, quantity: 1 }, { productId: b!, quantity: 1 }]), // takes the only b
      orderPlaced(ids[1]!, randomUUID(), [{ productId: b!, quantity: 1 }, { productId: a!, quantity: 1 }]), // b is short: takes no a
      orderPlaced(ids[2]!, randomUUID(), [{ productId: a!, quantity: 2 }]), // the a the previous one did not take
      orderPlaced(ids[3]!, randomUUID(), [{ productId: a!, quantity: 1 }]), // a is gone
      orderPlaced(ids[4]!, randomUUID(), [{ productId: a!, quantity: 1 }, { productId: unknown, quantity: 1 }]),
    ]);
    expect(outcomes).toEqual([
      { kind: 'reserved', holdExpiresAt: expect.any(String) },
      { kind: 'rejected', reason: 'OUT_OF_STOCK', productId: b },
      { kind: 'reserved', holdExpiresAt: expect.any(String) },
      { kind: 'rejected', reason: 'OUT_OF_STOCK', productId: a },
      { kind: 'rejected', reason: a! < unknown ? 'OUT_OF_STOCK' : 'UNKNOWN_PRODUCT', productId: a! < unknown ? a : unknown },
    ]);
    expect(await stockOf(db.orm, a!)).toEqual({ available: 0, reserved: 3, sold: 0, received: 3 });
    expect(await stockOf(db.orm, b!)).toEqual({ available: 0, reserved: 1, sold: 0, received: 1 });
    expect((await eventsOf(ids[1]!)).map((e) => e.type)).toEqual(['StockRejected']);
  });

  it('handleBatch holds the OrderPlaced of a batch in one placeMany, whatever events lie between them', async () => {
    const productId = randomUUID();
    await seedStock(db.orm, productId, 3);
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const spy = vi.spyOn(holds, 'placeMany');
    try {
      // A drop's orders.events: each order's OrderAwaitingPayment follows its OrderPlaced, interleaved with others'.
      await holds.handleBatch([
        orderPlaced(ids[0]!, randomUUID(), [{ productId, quantity: 1 }]),
        orderEvent('OrderAwaitingPayment', randomUUID()),
        orderPlaced(ids[1]!, randomUUID(), [{ productId, quantity: 1 }]),
        orderEvent('OrderAwaitingPayment', randomUUID()),
        orderPlaced(ids[2]!, randomUUID(), [{ productId, quantity: 1 }]),
      ]);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0]![0].map((e) => e.payload.orderId)).toEqual(ids);
    } finally {
      spy.mockRestore();
    }
    expect(await stockOf(db.orm, productId)).toEqual({ available: 0, reserved: 3, sold: 0, received: 3 });
  });

  it('handleBatch keeps partition order across event types: an order cancelled in the same batch is released', async () => {
    const productId = randomUUID();
    await seedStock(db.orm, productId, 2);
    const [kept, cancelled] = [randomUUID(), randomUUID()];
    await holds.handleBatch([
      orderPlaced(kept, randomUUID(), [{ productId, quantity: 1 }]),
      orderPlaced(cancelled, randomUUID(), [{ productId, quantity: 1 }]),
      orderEvent('OrderCancelled', cancelled),
    ]);
    expect(await stockOf(db.orm, productId)).toEqual({ available: 1, reserved: 1, sold: 0, received: 2 });
    expect((await eventsOf(cancelled)).map((e) => e.type)).toEqual(['StockReserved', 'StockReleased']);
    // Redelivered one by one (what the bus does after a failed batch): nothing changes.
    await holds.handle(orderPlaced(kept, randomUUID(), [{ productId, quantity: 1 }]));
    expect(await stockOf(db.orm, productId)).toEqual({ available: 1, reserved: 1, sold: 0, received: 2 });
  });
});
