import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { restoreGateIfLost } from '../src/services/gate-restore.ts';
import { ctxOf, eventsOf, openHarness, sagaEvent, seedProduct, silentLogger, type OrdersHarness } from './orders-harness.ts';

let h: OrdersHarness;
beforeAll(async () => {
  h = await openHarness('ord_place');
});
afterAll(async () => {
  await h?.close();
});

const count = async (sql: string, params: unknown[] = []) =>
  Number((await h.orm.em.fork().execute<{ n: string }[]>(sql, params))[0]!.n);

describe('placeOrder', () => {
  it('admits an order: PENDING with fixed prices and total, its history, and OrderPlaced in the outbox', async () => {
    const customer = randomUUID();
    const a = await seedProduct(h, { priceMinor: 1999 });
    const b = await seedProduct(h, { priceMinor: 500 });
    const res = await h.placement.place(ctxOf(customer), customer, {
      items: [{ productId: a.id, quantity: 2 }, { productId: b.id, quantity: 1 }],
      idempotencyKey: 'k1',
    });
    expect(res.userErrors).toEqual([]);
    const order = res.order!;
    expect(order).toMatchObject({ status: 'PENDING', totalMinor: 4498, currency: 'USD', customerId: customer, version: 1 });
    const lines = (await h.orders.linesOf([order.id])).get(order.id);
    expect(lines?.map((l) => [l.productId, l.quantity, l.unitPriceMinor])).toEqual([[a.id, 2, 1999], [b.id, 1, 500]]);
    expect((await h.orders.historyOf([order.id])).get(order.id)?.map((c) => c.status)).toEqual(['PENDING']);
    const events = await eventsOf(h, order.id);
    expect(events.map((e) => e.type)).toEqual(['OrderPlaced', 'OrderStatusChanged']);
    expect(events[0]!.payload).toEqual({ orderId: order.id, customerId: customer, lines: [{ productId: a.id, quantity: 2 }, { productId: b.id, quantity: 1 }] });
    expect(await h.gate.tokens(a.id)).toBe(98);
  });

  it('refuses bad input with typed errors and writes nothing', async () => {
    const customer = randomUUID();
    const p = await seedProduct(h);
    const archived = await seedProduct(h, { active: false });
    const cases: [unknown, string, string[]][] = [
      [{ items: [], idempotencyKey: 'x' }, 'INVALID_INPUT', ['input', 'items']],
      [{ items: [{ productId: p.id, quantity: 0 }], idempotencyKey: 'x' }, 'INVALID_INPUT', ['input', 'items', '0', 'quantity']],
      [{ items: [{ productId: p.id, quantity: 1001 }], idempotencyKey: 'x' }, 'INVALID_INPUT', ['input', 'items', '0', 'quantity']],
      [{ items: [{ productId: p.id, quantity: 1 }, { productId: p.id, quantity: 2 }], idempotencyKey: 'x' }, 'INVALID_INPUT', ['input', 'items', '1', 'productId']],
      [{ items: [{ productId: p.id, quantity: 1 }], idempotencyKey: '' }, 'INVALID_INPUT', ['input', 'idempotencyKey']],
      [{ items: [{ productId: p.id, quantity: 1 }], idempotencyKey: 'k'.repeat(201) }, 'INVALID_INPUT', ['input', 'idempotencyKey']],
      [{ items: [{ productId: randomUUID(), quantity: 1 }], idempotencyKey: 'x' }, 'NOT_FOUND', ['input', 'items', '0', 'productId']],
      [{ items: [{ productId: archived.id, quantity: 1 }], idempotencyKey: 'x' }, 'NOT_FOUND', ['input', 'items', '0', 'productId']],
      [{ idempotencyKey: 'x' }, 'INVALID_INPUT', ['input', 'items']],
    ];
    for (const [input, code, field] of cases) {
      const res = await h.placement.place(ctxOf(customer), customer, input as never);
      expect(res.order).toBeNull();
      expect(res.userErrors[0]).toMatchObject({ code, field });
    }
    expect(await count('select count(*) as n from orders where customer_id = ?', [customer])).toBe(0);
    expect(await h.gate.tokens(p.id)).toBe(100);
  });

  it('OUT_OF_STOCK and LIMIT_EXCEEDED come from the gate, synchronously, and write nothing', async () => {
    const customer = randomUUID();
    const scarce = await seedProduct(h, {}, 1);
    const limited = await seedProduct(h, { maxPerCustomer: 2 }, 50);
    const out = await h.placement.place(ctxOf(customer), customer, { items: [{ productId: scarce.id, quantity: 2 }], idempotencyKey: 'a' });
    expect(out.userErrors).toMatchObject([{ code: 'OUT_OF_STOCK', field: ['input', 'items', '0', 'quantity'] }]);
    const first = await h.placement.place(ctxOf(customer), customer, { items: [{ productId: limited.id, quantity: 2 }], idempotencyKey: 'b' });
    expect(first.userErrors).toEqual([]);
    const over = await h.placement.place(ctxOf(customer), customer, { items: [{ productId: limited.id, quantity: 1 }], idempotencyKey: 'c' });
    expect(over.userErrors).toMatchObject([{ code: 'LIMIT_EXCEEDED' }]);
    expect(await count('select count(*) as n from orders where customer_id = ?', [customer])).toBe(1);
    expect(await h.gate.tokens(limited.id)).toBe(48);
  });

  it('the same key returns the same order; other items with it are IDEMPOTENCY_CONFLICT', async () => {
    const customer = randomUUID();
    const p = await seedProduct(h);
    const input = { items: [{ productId: p.id, quantity: 3 }], idempotencyKey: 'same' };
    const first = await h.placement.place(ctxOf(customer), customer, input);
    const again = await h.placement.place(ctxOf(customer), customer, input);
    expect(again.order?.id).toBe(first.order!.id);
    const conflict = await h.placement.place(ctxOf(customer), customer, { ...input, items: [{ productId: p.id, quantity: 4 }] });
    expect(conflict.userErrors).toMatchObject([{ code: 'IDEMPOTENCY_CONFLICT', field: ['input', 'idempotencyKey'] }]);
    // Another customer's identical key is another order.
    const other = randomUUID();
    const theirs = await h.placement.place(ctxOf(other), other, input);
    expect(theirs.order!.id).not.toBe(first.order!.id);
    expect(await h.gate.tokens(p.id)).toBe(94);
  });

  it('20 concurrent duplicates of one request make one order and take the stock once, even at the per-customer limit', async () => {
    const customer = randomUUID();
    const p = await seedProduct(h, { maxPerCustomer: 1 }, 5);
    const input = { items: [{ productId: p.id, quantity: 1 }], idempotencyKey: 'race' };
    const results = await Promise.all(Array.from({ length: 20 }, () => h.placement.place(ctxOf(customer), customer, input)));
    expect(results.every((r) => r.userErrors.length === 0)).toBe(true);
    expect(new Set(results.map((r) => r.order!.id)).size).toBe(1);
    expect(await count('select count(*) as n from orders where customer_id = ?', [customer])).toBe(1);
    expect(await h.gate.tokens(p.id)).toBe(4);
  });

  it('gives the tokens back when the transaction fails after admission', async () => {
    const customer = randomUUID();
    const p = await seedProduct(h, {}, 10);
    // A real failure inside the transaction, after the gate admitted: a trigger refusing this product's line.
    await h.orm.em.fork().execute(
      `create or replace function refuse_line() returns trigger language plpgsql as $$
       begin if new.product_id = '${p.id}' then raise exception 'refused by test trigger'; end if; return new; end $$`,
      [],
      'run',
    );
    await h.orm.em.fork().execute('create trigger refuse_line before insert on order_line for each row execute function refuse_line()', [], 'run');
    try {
      await expect(
        h.placement.place(ctxOf(customer), customer, { items: [{ productId: p.id, quantity: 3 }], idempotencyKey: 'fail' }),
      ).rejects.toThrow(/refused by test trigger/);
      // Concurrent twins of a request that fails: each either fails itself or decides again once the tokens are
      // back; none waits for an order that never comes, and nothing leaks.
      const twins = await Promise.allSettled(
        Array.from({ length: 5 }, () => h.placement.place(ctxOf(customer), customer, { items: [{ productId: p.id, quantity: 3 }], idempotencyKey: 'twins' })),
      );
      expect(twins.map((t) => t.status)).toEqual(Array(5).fill('rejected'));
    } finally {
      await h.orm.em.fork().execute('drop trigger refuse_line on order_line', [], 'run');
    }
    expect(await h.gate.tokens(p.id)).toBe(10);
    expect(await count('select count(*) as n from orders where customer_id = ?', [customer])).toBe(0);
    // The same key works afterwards.
    const retry = await h.placement.place(ctxOf(customer), customer, { items: [{ productId: p.id, quantity: 3 }], idempotencyKey: 'fail' });
    expect(retry.order?.status).toBe('PENDING');
  });

  it('orders the cart when items are omitted, empties it, and a retry with the key returns the order', async () => {
    const customer = randomUUID();
    const a = await seedProduct(h, { priceMinor: 1000 });
    const b = await seedProduct(h, { priceMinor: 250 });
    await h.cart.add(ctxOf(customer), customer, { productId: a.id, quantity: 1 });
    await h.cart.add(ctxOf(customer), customer, { productId: b.id, quantity: 4 });
    const res = await h.placement.place(ctxOf(customer), customer, { idempotencyKey: 'cart' });
    expect(res.order).toMatchObject({ status: 'PENDING', totalMinor: 2000 });
    expect((await h.cart.view(customer)).items).toEqual([]);
    const retry = await h.placement.place(ctxOf(customer), customer, { idempotencyKey: 'cart' });
    expect(retry.order?.id).toBe(res.order!.id);
  });

  it('refuses OUT_OF_STOCK and LIMIT_EXCEEDED with one Redis call and no database statement', async () => {
    const customer = randomUUID();
    const scarce = await seedProduct(h, { maxPerCustomer: 1 }, 1);
    const first = await h.placement.place(ctxOf(customer), customer, { items: [{ productId: scarce.id, quantity: 1 }], idempotencyKey: 'mine' });
    expect(first.order?.status).toBe('PENDING');
    const statements = vi.spyOn(h.orm.driver, 'execute');
    try {
      const other = randomUUID();
      const sold = await h.placement.place(ctxOf(other), other, { items: [{ productId: scarce.id, quantity: 1 }], idempotencyKey: 'k' });
      expect(sold.userErrors).toMatchObject([{ code: 'OUT_OF_STOCK' }]);
      const limited = await h.placement.place(ctxOf(customer), customer, { items: [{ productId: scarce.id, quantity: 1 }], idempotencyKey: 'again' });
      expect(limited.userErrors).toMatchObject([{ code: 'LIMIT_EXCEEDED' }]);
      expect(statements).not.toHaveBeenCalled();
      // A retry of the admitted order is looked up: the gate knows its id.
      const retry = await h.placement.place(ctxOf(customer), customer, { items: [{ productId: scarce.id, quantity: 1 }], idempotencyKey: 'mine' });
      expect(retry.order?.id).toBe(first.order!.id);
      expect(statements).toHaveBeenCalled();
    } finally {
      statements.mockRestore();
    }
  });

  it('a key keeps its order after the order ended and its tokens went back', async () => {
    const customer = randomUUID();
    const p = await seedProduct(h, {}, 1);
    const input = { items: [{ productId: p.id, quantity: 1 }], idempotencyKey: 'ended' };
    const first = await h.placement.place(ctxOf(customer), customer, input);
    await h.saga.handle(sagaEvent('StockRejected', { orderId: first.order!.id, reason: 'test' }));
    expect(await h.gate.tokens(p.id)).toBe(1);
    const retry = await h.placement.place(ctxOf(customer), customer, input);
    expect(retry.order).toMatchObject({ id: first.order!.id, status: 'REJECTED' });
    expect(await h.gate.tokens(p.id)).toBe(1);
    expect(await count('select count(*) as n from orders where customer_id = ?', [customer])).toBe(1);
  });

  it('exactly once across Redis losing its data: the same request after a flush returns the same order', async () => {
    const customer = randomUUID();
    const p = await seedProduct(h, {}, 5);
    const input = { items: [{ productId: p.id, quantity: 1 }], idempotencyKey: 'flushed' };
    const first = await h.placement.place(ctxOf(customer), customer, input);
    const flush = async () => {
      const keys = await h.redis.keys(`${h.gate.keys.prefix}*`);
      if (keys.length) await h.redis.del(...keys);
      await h.gate.setStock(p.id, 4); // inventory's reconcile brings the stock back; the order records are orders' to restore
    };
    await flush();
    // The gate lost its data and is not restored: PostgreSQL answers.
    const afterFlush = await Promise.all([h.placement.place(ctxOf(customer), customer, input), h.placement.place(ctxOf(customer), customer, input)]);
    expect(afterFlush.map((r) => r.order?.id)).toEqual([first.order!.id, first.order!.id]);
    expect(await h.gate.tokens(p.id)).toBe(4);
    // Restored (ids of every order): the gate itself knows the key again.
    await flush();
    await restoreGateIfLost(h.orm, h.gate, silentLogger);
    const restored = await h.placement.place(ctxOf(customer), customer, input);
    expect(restored.order?.id).toBe(first.order!.id);
    expect(await h.gate.tokens(p.id)).toBe(4);
    expect(await count('select count(*) as n from orders where customer_id = ?', [customer])).toBe(1);
  });
});
