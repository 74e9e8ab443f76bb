import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AdmissionGate } from '../admission-gate.ts';
import { deletePrefix, testRedis, uniquePrefix } from './redis-test-helpers.ts';

const redis = testRedis();
const base = uniquePrefix('gate');
const gate = new AdmissionGate(redis, base);
const id = () => randomUUID();

beforeAll(async () => {
  await gate.restoreOrders([]); // a gate with its data: nothing to restore
});

afterAll(async () => {
  await deletePrefix(redis, base);
  await redis.quit();
});

describe('AdmissionGate.admit', () => {
  let a: string;
  let b: string;
  beforeEach(async () => {
    a = id();
    b = id();
    await gate.setStock(a, 5);
    await gate.setStock(b, 1);
  });

  it('keeps keys under the versioned prefix', () => {
    expect(gate.keys.prefix).toBe(`${base}gate:v2:`);
    expect(gate.keys.stock(a)).toBe(`${base}gate:v2:stock:${a}`);
  });

  it('takes stock, allowance and pending for every line of an admitted order', async () => {
    const customer = id();
    const result = await gate.admit({
      orderId: id(),
      customerId: customer,
      lines: [
        { productId: a, quantity: 2, maxPerCustomer: 3 },
        { productId: b, quantity: 1, maxPerCustomer: null },
      ],
    });
    expect(result).toEqual({ admitted: true, earlier: false });
    expect(await gate.tokens(a)).toBe(3);
    expect(await gate.tokens(b)).toBe(0);
    expect(await gate.taken(a, customer)).toBe(2);
    expect(await gate.taken(b, customer)).toBe(1);
    expect(await gate.pending(a)).toBe(2);
  });

  it('takes nothing when one line of a multi-line order is short', async () => {
    const customer = id();
    const orderId = id();
    const result = await gate.admit({
      orderId,
      customerId: customer,
      lines: [
        { productId: a, quantity: 2, maxPerCustomer: null },
        { productId: b, quantity: 2, maxPerCustomer: null },
      ],
    });
    expect(result).toEqual({ admitted: false, reason: 'OUT_OF_STOCK', productId: b });
    expect(await gate.tokens(a)).toBe(5);
    expect(await gate.tokens(b)).toBe(1);
    expect(await gate.taken(a, customer)).toBe(0);
    expect(await gate.pending(a)).toBe(0);
    expect(await redis.exists(gate.keys.order(orderId))).toBe(0);
  });

  it('takes nothing when one line exceeds the customer limit', async () => {
    const customer = id();
    const result = await gate.admit({
      orderId: id(),
      customerId: customer,
      lines: [
        { productId: b, quantity: 1, maxPerCustomer: null },
        { productId: a, quantity: 3, maxPerCustomer: 2 },
      ],
    });
    expect(result).toEqual({ admitted: false, reason: 'LIMIT_EXCEEDED', productId: a });
    expect(await gate.tokens(a)).toBe(5);
    expect(await gate.tokens(b)).toBe(1);
    expect(await gate.taken(b, customer)).toBe(0);
  });

  it('counts the customer live orders toward the limit', async () => {
    const customer = id();
    const line = { productId: a, quantity: 1, maxPerCustomer: 2 };
    expect((await gate.admit({ orderId: id(), customerId: customer, lines: [line] })).admitted).toBe(true);
    expect((await gate.admit({ orderId: id(), customerId: customer, lines: [line] })).admitted).toBe(true);
    expect(await gate.admit({ orderId: id(), customerId: customer, lines: [line] })).toEqual({
      admitted: false,
      reason: 'LIMIT_EXCEEDED',
      productId: a,
    });
    // Another customer is not affected by this one's allowance.
    expect((await gate.admit({ orderId: id(), customerId: id(), lines: [line] })).admitted).toBe(true);
    expect(await gate.tokens(a)).toBe(2);
  });

  it('reports LIMIT_EXCEEDED before OUT_OF_STOCK when both apply, whatever the line order', async () => {
    const customer = id();
    await gate.admit({ orderId: id(), customerId: customer, lines: [{ productId: a, quantity: 2, maxPerCustomer: 2 }] });
    const result = await gate.admit({
      orderId: id(),
      customerId: customer,
      lines: [
        { productId: b, quantity: 4, maxPerCustomer: null },
        { productId: a, quantity: 1, maxPerCustomer: 2 },
      ],
    });
    expect(result).toEqual({ admitted: false, reason: 'LIMIT_EXCEEDED', productId: a });
  });

  it('rejects an unknown product as OUT_OF_STOCK', async () => {
    const unknown = id();
    expect(
      await gate.admit({ orderId: id(), customerId: id(), lines: [{ productId: unknown, quantity: 1, maxPerCustomer: null }] }),
    ).toEqual({ admitted: false, reason: 'OUT_OF_STOCK', productId: unknown });
    expect(await gate.tokens(unknown)).toBeNull();
  });

  it('treats a null maxPerCustomer as no limit', async () => {
    const customer = id();
    for (let i = 0; i < 5; i++) {
      const r = await gate.admit({ orderId: id(), customerId: customer, lines: [{ productId: a, quantity: 1, maxPerCustomer: null }] });
      expect(r.admitted).toBe(true);
    }
    expect(await gate.taken(a, customer)).toBe(5);
    expect(await gate.tokens(a)).toBe(0);
  });

  it('merges repeated lines of one product before checking', async () => {
    const result = await gate.admit({
      orderId: id(),
      customerId: id(),
      lines: [
        { productId: a, quantity: 2, maxPerCustomer: 3 },
        { productId: a, quantity: 2, maxPerCustomer: 3 },
      ],
    });
    expect(result).toEqual({ admitted: false, reason: 'LIMIT_EXCEEDED', productId: a });
    expect(await gate.tokens(a)).toBe(5);
  });

  it('admits a retried order once', async () => {
    const orderId = id();
    const customer = id();
    const request = { orderId, customerId: customer, lines: [{ productId: a, quantity: 2, maxPerCustomer: 2 }] };
    const results = await Promise.all([gate.admit(request), gate.admit(request), gate.admit(request)]);
    expect(results.map((r) => r.admitted)).toEqual([true, true, true]);
    // Exactly one of the three took the tokens; the others found the order already admitted.
    expect(results.filter((r) => r.admitted && !r.earlier)).toHaveLength(1);
    expect(await gate.tokens(a)).toBe(3);
    expect(await gate.taken(a, customer)).toBe(2);
    expect(await gate.pending(a)).toBe(2);
    // One record was kept: it releases once, and the tokens come back once.
    expect(await gate.release(orderId)).toBe(true);
    expect(await gate.release(orderId)).toBe(false);
    expect(await gate.tokens(a)).toBe(5);
  });

  it('rejects malformed input before touching Redis', async () => {
    await expect(gate.admit({ orderId: id(), customerId: id(), lines: [] })).rejects.toThrow(TypeError);
    await expect(
      gate.admit({ orderId: id(), customerId: 'x:y', lines: [{ productId: a, quantity: 1, maxPerCustomer: null }] }),
    ).rejects.toThrow(/customerId/);
    await expect(
      gate.admit({ orderId: id(), customerId: id(), lines: [{ productId: a, quantity: 0, maxPerCustomer: null }] }),
    ).rejects.toThrow(/quantity/);
    expect(await gate.tokens(a)).toBe(5);
  });
});

describe('AdmissionGate.release and settle', () => {
  it('gives back exactly what the order took, once', async () => {
    const a = id();
    const b = id();
    await gate.setStock(a, 4);
    await gate.setStock(b, 4);
    const customer = id();
    const orderId = id();
    const other = id();
    await gate.admit({
      orderId,
      customerId: customer,
      lines: [
        { productId: a, quantity: 2, maxPerCustomer: 3 },
        { productId: b, quantity: 1, maxPerCustomer: null },
      ],
    });
    await gate.admit({ orderId: other, customerId: customer, lines: [{ productId: a, quantity: 1, maxPerCustomer: 3 }] });

    expect(await gate.release(orderId)).toBe(true);
    expect(await gate.tokens(a)).toBe(3);
    expect(await gate.tokens(b)).toBe(4);
    expect(await gate.taken(a, customer)).toBe(1);
    expect(await gate.taken(b, customer)).toBe(0);
    expect(await gate.pending(a)).toBe(1);

    expect(await gate.release(orderId)).toBe(false);
    expect(await gate.tokens(a)).toBe(3);
    expect(await gate.taken(a, customer)).toBe(1);
    expect(await gate.release(id())).toBe(false);
  });

  it('releases once under concurrent duplicate releases', async () => {
    const a = id();
    await gate.setStock(a, 3);
    const orderId = id();
    await gate.admit({ orderId, customerId: id(), lines: [{ productId: a, quantity: 2, maxPerCustomer: null }] });
    const results = await Promise.all(Array.from({ length: 10 }, () => gate.release(orderId)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await gate.tokens(a)).toBe(3);
  });

  it('settle moves units out of pending once; a later release still returns tokens and allowance', async () => {
    const a = id();
    await gate.setStock(a, 10);
    const customer = id();
    const orderId = id();
    await gate.admit({ orderId, customerId: customer, lines: [{ productId: a, quantity: 3, maxPerCustomer: 5 }] });
    expect(await gate.pending(a)).toBe(3);
    expect(await gate.settle(orderId)).toBe(true);
    expect(await gate.settle(orderId)).toBe(false);
    expect(await gate.pending(a)).toBe(0);
    expect(await gate.tokens(a)).toBe(7);
    expect(await gate.taken(a, customer)).toBe(3);
    // A retried admit of a settled order does not take again.
    expect(
      await gate.admit({ orderId, customerId: customer, lines: [{ productId: a, quantity: 3, maxPerCustomer: 5 }] }),
    ).toEqual({ admitted: true, earlier: true });
    expect(await gate.tokens(a)).toBe(7);

    expect(await gate.release(orderId)).toBe(true);
    expect(await gate.tokens(a)).toBe(10);
    expect(await gate.taken(a, customer)).toBe(0);
    expect(await gate.pending(a)).toBe(0);
    expect(await gate.settle(orderId)).toBe(false);
  });
});

describe('AdmissionGate stock', () => {
  it('addStock restocks and never goes below zero', async () => {
    const a = id();
    await gate.setStock(a, 2);
    expect(await gate.addStock(a, 3)).toBe(5);
    expect(await gate.addStock(a, -7)).toBe(0);
    expect(await gate.tokens(a)).toBe(0);
  });

  it('reconcile sets tokens to available minus pending, per product', async () => {
    const a = id();
    const b = id();
    await gate.setStock(a, 10);
    await gate.admit({ orderId: id(), customerId: id(), lines: [{ productId: a, quantity: 3, maxPerCustomer: null }] });
    const held = id();
    await gate.admit({ orderId: held, customerId: id(), lines: [{ productId: a, quantity: 2, maxPerCustomer: null }] });
    await gate.settle(held);
    // PostgreSQL: 10 received, 2 held by inventory → 8 available; 3 admitted units are not held yet.
    // Drift in Redis (e.g. a lost release) is corrected.
    await gate.setStock(a, 1);
    const changes = await gate.reconcile(async () => [
      { productId: a, available: 8 },
      { productId: b, available: 4 },
    ]);
    expect(changes).toEqual([
      { productId: a, before: 1, after: 5 },
      { productId: b, before: null, after: 4 },
    ]);
    expect(await gate.tokens(a)).toBe(5);
    expect(await gate.tokens(b)).toBe(4);
  });

  it('reconcile does not count a hold twice when it settles while PostgreSQL is being read', async () => {
    const a = id();
    await gate.setStock(a, 10);
    const orderId = id();
    await gate.admit({ orderId, customerId: id(), lines: [{ productId: a, quantity: 4, maxPerCustomer: null }] });
    // PostgreSQL is read before the hold commits (available still 10); the settle lands before the write.
    const changes = await gate.reconcile(async () => {
      const figures = [{ productId: a, available: 10 }];
      await gate.settle(orderId);
      return figures;
    });
    // Without the fence this would be 10 - 0 = 10: four tokens too many.
    expect(changes).toEqual([{ productId: a, before: 6, after: 6 }]);
  });
});

describe('AdmissionGate order ids it has seen', () => {
  it('remembers a released order id, so a retry is answered as earlier and takes nothing', async () => {
    const a = id();
    await gate.setStock(a, 1);
    const customer = id();
    const orderId = id();
    const request = { orderId, customerId: customer, lines: [{ productId: a, quantity: 1, maxPerCustomer: 1 }] };
    expect(await gate.admit(request)).toEqual({ admitted: true, earlier: false });
    expect(await gate.release(orderId)).toBe(true);
    expect(await gate.tokens(a)).toBe(1);
    // The order ended (expired, cancelled, rejected): its key still names it, it does not become a new order.
    expect(await gate.admit(request)).toEqual({ admitted: true, earlier: true });
    expect(await gate.tokens(a)).toBe(1);
    expect(await gate.taken(a, customer)).toBe(0);
    expect(await gate.settle(orderId)).toBe(false);
    expect(await gate.release(orderId)).toBe(false);
    expect(await gate.tokens(a)).toBe(1);
  });

  it('forgets an order id that was never recorded, so its retry decides again', async () => {
    const a = id();
    await gate.setStock(a, 1);
    const request = { orderId: id(), customerId: id(), lines: [{ productId: a, quantity: 1, maxPerCustomer: null }] };
    expect(await gate.admit(request)).toEqual({ admitted: true, earlier: false });
    expect(await gate.release(request.orderId, { forget: true })).toBe(true);
    expect(await gate.admit(request)).toEqual({ admitted: true, earlier: false });
    expect(await gate.tokens(a)).toBe(0);
  });

  it('refuses to decide on a gate that lost its data unless PostgreSQL was checked, and restores tombstones', async () => {
    const lost = new AdmissionGate(redis, uniquePrefix('gate-lost'));
    try {
      const a = id();
      await lost.setStock(a, 2);
      const request = { orderId: id(), customerId: id(), lines: [{ productId: a, quantity: 1, maxPerCustomer: null }] };
      expect(await lost.admit(request)).toEqual({ admitted: false, reason: 'GATE_UNREADY' });
      expect(await lost.tokens(a)).toBe(2);
      expect(await lost.admit(request, { earlierOrderChecked: true })).toEqual({ admitted: true, earlier: false });
      expect(await lost.tokens(a)).toBe(1);

      // Restored from PostgreSQL: an ended order's id comes back as a tombstone, and the gate decides alone again.
      const ended = id();
      await lost.restoreOrders([], [ended]);
      expect(await lost.admit({ ...request, orderId: ended })).toEqual({ admitted: true, earlier: true });
      expect(await lost.admit({ ...request, orderId: id() })).toEqual({ admitted: true, earlier: false });
      expect(await lost.tokens(a)).toBe(0);
    } finally {
      await deletePrefix(redis, lost.keys.prefix);
    }
  });
});
