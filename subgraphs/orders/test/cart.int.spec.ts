import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctxOf, openHarness, productEvent, seedProduct, type OrdersHarness } from './orders-harness.ts';

let h: OrdersHarness;
beforeAll(async () => {
  h = await openHarness('ord_cart', 120);
});
afterAll(async () => {
  await h?.close();
});

describe('cart', () => {
  it('is empty (not null) when there is none', async () => {
    const cart = await h.cart.view(randomUUID());
    expect(cart).toMatchObject({ items: [], totalQuantity: 0, subtotalMinor: 0, currency: 'USD', expiresAt: null });
  });

  it('adds to a line, sets it, removes it; lines keep their order; prices are the current catalog prices', async () => {
    const me = randomUUID();
    const a = await seedProduct(h, { priceMinor: 1000 });
    const b = await seedProduct(h, { priceMinor: 300 });
    await h.cart.add(ctxOf(me), me, { productId: a.id, quantity: 1 });
    await h.cart.add(ctxOf(me), me, { productId: b.id, quantity: 2 });
    const added = await h.cart.add(ctxOf(me), me, { productId: a.id, quantity: 2 });
    expect(added.cart?.items.map((i) => [i.productId, i.quantity])).toEqual([[a.id, 3], [b.id, 2]]);
    expect(added.cart).toMatchObject({ totalQuantity: 5, subtotalMinor: 3600 });
    const ttl = added.cart!.expiresAt!.getTime() - Date.now();
    expect(ttl).toBeGreaterThan(110_000);
    expect(ttl).toBeLessThanOrEqual(120_000);

    await h.catalog.onProductEvent(productEvent('ProductUpdated', { ...a, priceMinor: 900, version: 2 }));
    expect((await h.cart.view(me)).subtotalMinor).toBe(3300);

    expect((await h.cart.update(ctxOf(me), me, { productId: b.id, quantity: 5 })).cart?.totalQuantity).toBe(8);
    expect((await h.cart.update(ctxOf(me), me, { productId: b.id, quantity: 0 })).cart?.items.map((i) => i.productId)).toEqual([a.id]);
    expect((await h.cart.remove(me, a.id)).cart).toMatchObject({ items: [], expiresAt: null });
    expect((await h.cart.remove(me, a.id)).userErrors).toEqual([]);
  });

  it('refuses bad quantities, unknown and archived products, and lines over maxPerCustomer, changing nothing', async () => {
    const me = randomUUID();
    const p = await seedProduct(h, { maxPerCustomer: 3 });
    const archived = await seedProduct(h, { active: false });
    await h.cart.add(ctxOf(me), me, { productId: p.id, quantity: 2 });
    const cases: [Promise<{ userErrors: { code: string; field: string[] | null }[] }>, string, string[]][] = [
      [h.cart.add(ctxOf(me), me, { productId: p.id, quantity: 0 }), 'INVALID_INPUT', ['input', 'quantity']],
      [h.cart.add(ctxOf(me), me, { productId: p.id, quantity: -1 }), 'INVALID_INPUT', ['input', 'quantity']],
      [h.cart.update(ctxOf(me), me, { productId: p.id, quantity: -1 }), 'INVALID_INPUT', ['input', 'quantity']],
      [h.cart.add(ctxOf(me), me, { productId: p.id, quantity: 1001 }), 'INVALID_INPUT', ['input', 'quantity']],
      [h.cart.add(ctxOf(me), me, { productId: randomUUID(), quantity: 1 }), 'NOT_FOUND', ['input', 'productId']],
      [h.cart.add(ctxOf(me), me, { productId: archived.id, quantity: 1 }), 'NOT_FOUND', ['input', 'productId']],
      [h.cart.add(ctxOf(me), me, { productId: p.id, quantity: 2 }), 'LIMIT_EXCEEDED', ['input', 'quantity']],
      [h.cart.update(ctxOf(me), me, { productId: p.id, quantity: 4 }), 'LIMIT_EXCEEDED', ['input', 'quantity']],
    ];
    for (const [call, code, field] of cases) expect((await call).userErrors).toMatchObject([{ code, field }]);
    const unlimited = await seedProduct(h);
    await h.cart.add(ctxOf(me), me, { productId: unlimited.id, quantity: 1000 });
    expect((await h.cart.add(ctxOf(me), me, { productId: unlimited.id, quantity: 1 })).userErrors).toMatchObject([{ code: 'INVALID_INPUT' }]);
    expect((await h.cart.view(me)).items.map((i) => i.quantity)).toEqual([2, 1000]);
  });

  it('concurrent adds cannot pass the per-customer limit together', async () => {
    const me = randomUUID();
    const p = await seedProduct(h, { maxPerCustomer: 5 });
    const results = await Promise.all(Array.from({ length: 10 }, () => h.cart.add(ctxOf(me), me, { productId: p.id, quantity: 1 })));
    expect(results.filter((r) => r.userErrors.length === 0)).toHaveLength(5);
    expect((await h.cart.view(me)).totalQuantity).toBe(5);
  });

  it('stale or repeated catalog snapshots do not overwrite newer ones', async () => {
    const p = await seedProduct(h, { priceMinor: 100 });
    expect(await h.catalog.onProductEvent(productEvent('ProductUpdated', { ...p, priceMinor: 200, version: 3 }))).toBe('applied');
    expect(await h.catalog.onProductEvent(productEvent('ProductUpdated', { ...p, priceMinor: 150, version: 2 }))).toBe('stale');
    expect((await h.catalog.find([p.id])).get(p.id)?.priceMinor).toBe(200);
  });

  it('reuses a product it read a moment ago, and reads it again once an event changed it', async () => {
    const p = await seedProduct(h, { priceMinor: 100 });
    expect((await h.catalog.find([p.id])).get(p.id)?.priceMinor).toBe(100);
    // A change that bypasses the projection's events is not seen within the cache window (it cannot happen in the
    // product; here it proves the read was served from memory)…
    await h.orm.em.fork().execute('update catalog_product set price_minor = 555 where id = ?', [p.id], 'run');
    expect((await h.catalog.find([p.id])).get(p.id)?.priceMinor).toBe(100);
    // …while an applied event is seen at once.
    await h.catalog.onProductEvent(productEvent('ProductUpdated', { ...p, priceMinor: 700, version: 5 }));
    expect((await h.catalog.find([p.id])).get(p.id)?.priceMinor).toBe(700);
  });
});
