// Admissions per second through the gate against one local Redis, beside a baseline of plain INCRBY round
// trips at the same concurrency over the same connections, and their ratio.
//   node tests/bench/admission-gate.bench.ts [--n 20000] [--concurrency 200] [--connections 4]
// Loopback only; every key lives under a unique prefix and is deleted at the end; a hard time limit applies.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { AdmissionGate } from '@limitedcart/common/admission';
import { percentile, runConcurrent } from './lib/load.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '200' },
    connections: { type: 'string', default: '4' },
    'time-limit': { type: 'string', default: '60' },
  },
});
const N = Number(values.n);
const CONCURRENCY = Number(values.concurrency);
const CONNECTIONS = Number(values.connections);
const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error('the benchmark runs against loopback Redis only');

const limit = setTimeout(() => {
  console.error(`time limit of ${values['time-limit']} s reached`);
  process.exit(1);
}, Number(values['time-limit']) * 1000);
limit.unref();

const clients = Array.from({ length: CONNECTIONS }, () => new Redis(url.toString(), { enableAutoPipelining: true }));
const base = `bench:${randomUUID().slice(0, 8)}:`;
const gates = clients.map((c) => new AdmissionGate(c, base));

const run = (n: number, op: (i: number) => Promise<unknown>) => runConcurrent(n, CONCURRENCY, op);

function describe(label: string, n: number, { ms, latencies }: { ms: number; latencies: number[] }): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number) => percentile(sorted, p).toFixed(2);
  const rate = (n / ms) * 1000;
  console.log(`${label.padEnd(28)} ${n} ops in ${ms.toFixed(0)} ms = ${rate.toFixed(0)}/s  p50 ${pct(50)} ms  p99 ${pct(99)} ms`);
  return rate;
}

/** Redis-side time per call of one command (server CPU only, no network or client), from INFO commandstats. */
async function serverStats(command: string): Promise<{ calls: number; usec: number }> {
  const info = await (clients[0] as Redis).info('commandstats');
  const match = new RegExp(`cmdstat_${command}:calls=(\\d+),usec=(\\d+)`).exec(info);
  return { calls: Number(match?.[1] ?? 0), usec: Number(match?.[2] ?? 0) };
}

async function cleanup(): Promise<void> {
  const redis = clients[0] as Redis;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${base}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

try {
  const products = Array.from({ length: 10 }, () => randomUUID());
  await (gates[0] as AdmissionGate).restoreOrders([]); // a gate with its data: nothing to restore
  // Enough tokens that every admission succeeds: the full check-and-take path, not the early rejection.
  await Promise.all(products.map((p) => (gates[0] as AdmissionGate).setStock(p, N)));
  const customers = Array.from({ length: Math.ceil(N / 2) }, () => randomUUID());
  // Warm-up: connections open, the script cached and the code JIT-compiled, so none of it is timed.
  await Promise.all(clients.map((c) => c.ping()));
  await run(Math.min(2000, N), (i) =>
    (gates[i % CONNECTIONS] as AdmissionGate).admit({
      orderId: randomUUID(),
      customerId: randomUUID(),
      lines: [{ productId: randomUUID(), quantity: 1, maxPerCustomer: 2 }],
    }),
  );

  console.log(`Redis ${url.host}, N=${N}, concurrency ${CONCURRENCY}, ${CONNECTIONS} connections`);
  let admitted = 0;
  const statsBefore = await serverStats('evalsha');
  const gateRun = await run(N, async (i) => {
    const r = await (gates[i % CONNECTIONS] as AdmissionGate).admit({
      orderId: randomUUID(),
      customerId: customers[i % customers.length] as string,
      lines: [{ productId: products[i % products.length] as string, quantity: 1, maxPerCustomer: 2 }],
    });
    if (r.admitted) admitted++;
  });
  if (admitted !== N) throw new Error(`expected ${N} admissions, got ${admitted}`);
  const gateRate = describe('admit (EVALSHA, 1 line)', N, gateRun);
  const statsAfter = await serverStats('evalsha');
  const perCall = (statsAfter.usec - statsBefore.usec) / Math.max(1, statsAfter.calls - statsBefore.calls);
  console.log(`  Redis server time per admit: ${perCall.toFixed(1)} µs (one Redis could serve ~${Math.floor(1e6 / perCall)}/s)`);

  const counter = `${base}baseline`;
  const baseRun = await run(N, (i) => (clients[i % CONNECTIONS] as Redis).incrby(counter, 1));
  const baseRate = describe('baseline INCRBY', N, baseRun);
  console.log(`ratio admit/INCRBY: ${(gateRate / baseRate).toFixed(2)}`);
} finally {
  await cleanup();
  await Promise.all(clients.map((c) => c.quit()));
}
