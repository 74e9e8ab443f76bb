import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdmissionGate } from '../admission-gate.ts';
import type { AdmissionResult, LiveOrder } from '../admission-types.ts';
import { deletePrefix, REDIS_URL, testRedis, uniquePrefix } from './redis-test-helpers.ts';

// The flush scenario runs on its own logical database: FLUSHDB there cannot touch anyone's keys on db 0.
// (FLUSHALL would empty every database of the server, so it is never used.)
const FLUSH_DB = Number(process.env.ADMISSION_FLUSH_DB ?? 9);
const url = new URL(REDIS_URL);
url.pathname = `/${FLUSH_DB}`;

const CLIENTS = 16;
const clients: Redis[] = Array.from({ length: CLIENTS }, () => testRedis(url.toString()));
const base = uniquePrefix('race');
const gates = clients.map((client) => new AdmissionGate(client, base));
const gate = gates[0] as AdmissionGate;
const redis = clients[0] as Redis;

beforeAll(async () => {
  await gate.restoreOrders([]); // a gate with its data: nothing to restore
});

afterAll(async () => {
  await deletePrefix(redis, base);
  await Promise.all(clients.map((c) => c.quit()));
});

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

describe('AdmissionGate under a drop', () => {
  it('admits exactly the stock, keeps every customer within the limit, and rebuilds after a flush', async () => {
    const product = randomUUID();
    const TOKENS = 100;
    const LIMIT = 2;
    await gate.setStock(product, TOKENS);

    // 700 customers, each trying 1–3 one-unit orders: 2,000 orders in all.
    const customers = Array.from({ length: 700 }, () => randomUUID());
    const perCustomer = customers.map(() => 3);
    for (let removed = 0; removed < 100; ) {
      const i = Math.floor(Math.random() * customers.length);
      if ((perCustomer[i] as number) > 1) {
        perCustomer[i] = (perCustomer[i] as number) - 1;
        removed++;
      }
    }
    const attempts = shuffle(
      customers.flatMap((customerId, i) => Array.from({ length: perCustomer[i] as number }, () => ({ orderId: randomUUID(), customerId }))),
    );
    expect(attempts).toHaveLength(2000);

    // Watch the token count from another connection while the race runs.
    let running = true;
    let lowest = TOKENS;
    const watcher = (async () => {
      while (running) {
        lowest = Math.min(lowest, (await gates[1]?.tokens(product)) ?? Infinity);
      }
    })();
    const results = await Promise.all(
      attempts.map(
        async (attempt, i): Promise<[typeof attempt, AdmissionResult]> => [
          attempt,
          await (gates[i % CLIENTS] as AdmissionGate).admit({
            ...attempt,
            lines: [{ productId: product, quantity: 1, maxPerCustomer: LIMIT }],
          }),
        ],
      ),
    );
    running = false;
    await watcher;

    const admitted = results.filter(([, r]) => r.admitted).map(([a]) => a);
    expect(admitted).toHaveLength(TOKENS);
    const byCustomer = new Map<string, number>();
    for (const { customerId } of admitted) byCustomer.set(customerId, (byCustomer.get(customerId) ?? 0) + 1);
    expect(Math.max(...byCustomer.values())).toBeLessThanOrEqual(LIMIT);
    for (const [customerId, count] of byCustomer) expect(await gate.taken(product, customerId)).toBe(count);
    for (const [, r] of results) {
      if (!r.admitted) expect(['OUT_OF_STOCK', 'LIMIT_EXCEEDED']).toContain(r.reason);
    }
    expect(lowest).toBeGreaterThanOrEqual(0);
    expect(await gate.tokens(product)).toBe(0);
    expect(await gate.pending(product)).toBe(TOKENS);

    // Inventory holds the first 60 admitted orders (PostgreSQL: available = 100 - 60); 40 are still pending.
    const held = new Set(admitted.slice(0, 60).map((a) => a.orderId));
    await Promise.all([...held].map((orderId) => gate.settle(orderId)));
    // Release 10 of the pending ones (rejected/cancelled) concurrently with duplicate releases.
    const released = admitted.filter((a) => !held.has(a.orderId)).slice(0, 10);
    const releaseResults = await Promise.all(released.flatMap((a) => [gate.release(a.orderId), gates[2]?.release(a.orderId)]));
    expect(releaseResults.filter(Boolean)).toHaveLength(10);
    expect(await gate.tokens(product)).toBe(10);
    expect(await gate.pending(product)).toBe(30);

    const releasedIds = new Set(released.map((a) => a.orderId));
    const live = admitted.filter((a) => !releasedIds.has(a.orderId));
    const before = new Map<string, number>();
    for (const { customerId } of live) before.set(customerId, await gate.taken(product, customerId));

    // Redis loses everything.
    const foreign = (await redis.keys('*')).filter((key) => !key.startsWith(base));
    expect(foreign, `db ${FLUSH_DB} holds keys this test did not create; set ADMISSION_FLUSH_DB`).toEqual([]);
    await redis.flushdb();
    expect(await gate.hasState()).toBe(false);
    expect(await gate.tokens(product)).toBeNull();

    // Inventory first, before orders restored its records: tokens = PostgreSQL's available (pending unknown).
    const stock = [{ productId: product, available: TOKENS - held.size }];
    expect(await gate.reconcile(async () => stock)).toEqual([{ productId: product, before: null, after: 40 }]);

    // Orders restores its live orders; the next reconcile subtracts the 30 admitted-but-not-held units.
    const liveOrders: LiveOrder[] = live.map((a) => ({
      orderId: a.orderId,
      customerId: a.customerId,
      held: held.has(a.orderId),
      lines: [{ productId: product, quantity: 1 }],
    }));
    const changes = await gate.rebuild({ stock, liveOrders });
    expect(changes).toEqual([{ productId: product, before: 40, after: 10 }]);
    expect(await gate.hasState()).toBe(true);
    expect(await gate.pending(product)).toBe(30);
    for (const [customerId, count] of before) expect(await gate.taken(product, customerId)).toBe(count);
    // Restoring again changes nothing.
    expect(await gate.restoreOrders(liveOrders)).toBe(0);
    expect(await gate.pending(product)).toBe(30);

    // Limits still hold after the rebuild: one unit more than a customer's remaining allowance is refused.
    const [someone, count] = [...before][0] as [string, number];
    expect(
      await gate.admit({
        orderId: randomUUID(),
        customerId: someone,
        lines: [{ productId: product, quantity: LIMIT - count + 1, maxPerCustomer: LIMIT }],
      }),
    ).toEqual({ admitted: false, reason: 'LIMIT_EXCEEDED', productId: product });
    // And releases after the rebuild are exact: every live order back → all 100 tokens, no allowance left.
    const back = await Promise.all(live.map((a, i) => (gates[i % CLIENTS] as AdmissionGate).release(a.orderId)));
    expect(back.every(Boolean)).toBe(true);
    expect(await gate.tokens(product)).toBe(TOKENS);
    expect(await gate.pending(product)).toBe(0);
    for (const customerId of before.keys()) expect(await gate.taken(product, customerId)).toBe(0);
  });
});
