// Durable holds per second (inventory's OrderPlaced handler: inbox row, hold row, conditional stock update, hold
// line, outbox event, one transaction) against one local PostgreSQL, beside a baseline of plain single-row
// conditional UPDATEs (autocommit) at the same concurrency over the same pool, and their ratio.
//   node tests/bench/holds.bench.ts [--n 5000] [--concurrency 32] [--products 1]
// --products 1 is the flash sale (every order hits one hot row); more products spread the contention.
// The gate is a no-op here (PostgreSQL only). Uses a throwaway database, dropped at the end; hard time limit.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createOrm, dropDatabase } from '@limitedcart/common/db';
import { createEnvelope } from '@limitedcart/common/messaging';
import { pino } from 'pino';
import { inventoryEntities } from '../../subgraphs/inventory/src/entities/index.ts';
import { inventoryMigrations } from '../../subgraphs/inventory/src/migrations/index.ts';
import { HoldService } from '../../subgraphs/inventory/src/services/hold.service.ts';
import type { InventoryGate } from '../../subgraphs/inventory/src/services/inventory-gate.ts';
import { percentile, runConcurrent } from './lib/load.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '32' },
    products: { type: 'string', default: '1' },
    'time-limit': { type: 'string', default: '120' },
  },
});
const N = Number(values.n);
const CONCURRENCY = Number(values.concurrency);
const PRODUCTS = Number(values.products);
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(serverUrl).hostname)) throw new Error('the benchmark runs against loopback PostgreSQL only');

const dbName = `bench_holds_${randomUUID().slice(0, 8)}`;
const limit = setTimeout(() => {
  console.error(`time limit of ${values['time-limit']} s reached (database ${dbName} may be left behind)`);
  process.exit(1);
}, Number(values['time-limit']) * 1000);
limit.unref();

const noGate = { settle: async () => true, release: async () => true } as unknown as InventoryGate;

const run = (n: number, op: (i: number) => Promise<unknown>) => runConcurrent(n, CONCURRENCY, op);

function report(label: string, n: number, r: { ms: number; latencies: number[] }): number {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  const perSecond = (n / r.ms) * 1000;
  console.log(
    `${label.padEnd(34)} ${perSecond.toFixed(0).padStart(7)}/s  p50 ${percentile(sorted, 50).toFixed(1)} ms  p99 ${percentile(sorted, 99).toFixed(1)} ms`,
  );
  return perSecond;
}

const orm = await createOrm({ serverUrl, dbName, entities: inventoryEntities, migrations: inventoryMigrations, poolMax: CONCURRENCY + 2 });
try {
  const products = Array.from({ length: PRODUCTS }, () => randomUUID());
  // Enough stock that every hold succeeds (the success path is the expensive one); baseline gets its own rows.
  const units = N * 2;
  for (const id of products) {
    await orm.em.fork().execute('insert into stock (product_id, available, received) values (?, ?, ?)', [id, units, units], 'run');
  }
  const baselineRows = Array.from({ length: PRODUCTS }, () => randomUUID());
  for (const id of baselineRows) {
    await orm.em.fork().execute('insert into stock (product_id, available, received) values (?, ?, ?)', [id, units, units], 'run');
  }
  const holds = new HoldService({ orm, gate: noGate, logger: pino({ level: 'silent' }), topic: 'bench.inventory.events', paymentWindowSeconds: 600 });
  const events = Array.from({ length: N }, (_, i) => {
    const orderId = randomUUID();
    return createEnvelope({
      type: 'OrderPlaced',
      aggregateType: 'Order',
      aggregateId: orderId,
      payload: { orderId, customerId: randomUUID(), lines: [{ productId: products[i % PRODUCTS]!, quantity: 1 }] },
    });
  });
  console.log(`PostgreSQL ${serverUrl.replace(/\/\/[^@]*@/, '//')}  n=${N} concurrency=${CONCURRENCY} products=${PRODUCTS}`);
  // Warm-up: connections and plans.
  await run(Math.min(200, N), (i) => orm.em.fork().execute('update stock set updated_at = now() where product_id = ?', [baselineRows[i % PRODUCTS]!], 'run'));

  const baseline = await run(N, (i) =>
    orm.em
      .fork()
      .execute('update stock set available = available - 1, reserved = reserved + 1 where product_id = ? and available >= 1', [baselineRows[i % PRODUCTS]!], 'run'),
  );
  const base = report('baseline: conditional UPDATE', N, baseline);

  let reserved = 0;
  const held = await run(N, async (i) => {
    const outcome = await holds.place(events[i]!);
    if (outcome.kind === 'reserved') reserved++;
  });
  const rate = report('holds: OrderPlaced → StockReserved', N, held);
  console.log(`holds / baseline = ${(rate / base).toFixed(2)}   (reserved ${reserved} of ${N})`);
  if (reserved !== N) throw new Error(`expected ${N} holds, got ${reserved}`);
} finally {
  await orm.close(true);
  await dropDatabase(serverUrl, dbName);
}
