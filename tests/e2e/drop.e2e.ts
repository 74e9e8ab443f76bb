// The drop, end to end through the gateway: 400 customers race for 40 units at once. Exactly 40 are admitted, the rest
// hear OUT_OF_STOCK; some pay, some cancel, the rest let the payment window lapse. At the end every order is in an end
// state and the stock adds up: available + reserved + sold = 40 with reserved = 0.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerCustomer } from './harness.ts';
import { CARDS, createProduct, mutateOrder, payOrder, placeOrder, readOrder, stockOf, stockSettles, waitForStatus } from './shop.ts';

const CUSTOMERS = 400;
const UNITS = 40;

let customers: { id: string; accessToken: string }[];

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!, i);
      }
    }),
  );
  return results;
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

beforeAll(async () => {
  // Registration hashes passwords (scrypt), the slow part of the setup: a bounded pool.
  customers = await pool(Array.from({ length: CUSTOMERS }), 8, () => registerCustomer('dropper'));
}, 180_000);

describe('the drop', () => {
  it(`${CUSTOMERS} customers race for ${UNITS} units: exactly ${UNITS} admitted; pay, cancel, expire; the stock adds up`, async () => {
    const productId = await createProduct({ initialStock: UNITS, maxPerCustomer: 1, price: '99.00' });

    const t0 = performance.now();
    const attempts = await Promise.all(
      customers.map(async (c) => {
        const started = performance.now();
        const res = await placeOrder(c.accessToken, [{ productId, quantity: 1 }], randomUUID());
        return { customer: c, res, ms: performance.now() - started, placedAt: Date.now() };
      }),
    );
    const raceMs = performance.now() - t0;
    const admitted = attempts.filter((a) => a.res.order);
    const refused = attempts.filter((a) => !a.res.order);
    expect(admitted).toHaveLength(UNITS);
    expect(refused).toHaveLength(CUSTOMERS - UNITS);
    expect(refused.every((a) => a.res.userErrors[0]?.code === 'OUT_OF_STOCK')).toBe(true);
    const latencies = attempts.map((a) => a.ms);
    process.stdout.write(
      `drop: ${CUSTOMERS} placeOrder calls in ${raceMs.toFixed(0)} ms; latency p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms\n`,
    );

    // Every admitted order gets its stock held.
    const awaiting = await Promise.all(admitted.map((a) => waitForStatus(a.customer.accessToken, a.res.order!.id, 'AWAITING_PAYMENT', 20_000)));
    expect(awaiting.every((o) => o.paymentDueAt)).toBe(true);
    expect(await stockOf(productId)).toEqual({ available: 0, reserved: UNITS, sold: 0 });

    const payers = admitted.slice(0, 15);
    const cancellers = admitted.slice(15, 25);
    const lapsers = admitted.slice(25);
    await Promise.all([
      ...payers.map(async (a, i) => {
        const card = i % 3 === 0 ? CARDS.async : CARDS.ok;
        const paid = await payOrder(a.customer.accessToken, a.res.order!.id, card);
        expect(paid.userErrors).toEqual([]);
      }),
      ...cancellers.map(async (a) => {
        const res = await mutateOrder('CancelOrder', a.customer.accessToken, { input: { id: a.res.order!.id } });
        expect(res.order?.status).toBe('CANCELLED');
      }),
    ]);
    await Promise.all(payers.map((a) => waitForStatus(a.customer.accessToken, a.res.order!.id, 'CONFIRMED', 20_000)));
    await Promise.all(lapsers.map((a) => waitForStatus(a.customer.accessToken, a.res.order!.id, 'EXPIRED', 60_000)));

    const finals = await Promise.all(admitted.map((a) => readOrder(a.customer.accessToken, a.res.order!.id)));
    const byStatus = finals.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o!.status]: (acc[o!.status] ?? 0) + 1 }), {});
    expect(byStatus).toEqual({ CONFIRMED: 15, CANCELLED: 10, EXPIRED: 15 });

    await stockSettles(productId, { available: UNITS - 15, reserved: 0, sold: 15 });

    // The units that came back can be bought again: the gate learned it too.
    const late = await placeOrder(refused[0]!.customer.accessToken, [{ productId, quantity: 1 }]);
    expect(late.userErrors).toEqual([]);
  }, 180_000);
});
