// The drop: every customer sends placeOrder for one product at once through the gateway; exactly `units` may be
// admitted, the rest refused OUT_OF_STOCK, nothing else. Baselines under the same load: `{ __typename }` through
// the gateway (its own ceiling with the same JWT header) and the admission Lua script straight on Redis.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { AdmissionGate } from '@limitedcart/common/admission';
import { operation } from '../../lib/operations.ts';
import { createProduct, stockOf } from '../lib/bench-client.ts';
import { eventually } from '../../lib/eventually.ts';
import type { BenchContext } from '../lib/bench-context.ts';
import { cpuPerOperation, cpuSnapshot } from '../lib/cpu-usage.ts';
import { graphqlOk, httpLoad } from '../lib/http-load.ts';
import { percentile, runConcurrent } from '../lib/load.ts';
import type { ScenarioResult } from '../lib/result.ts';
import { at, seriesOf } from '../lib/series.ts';

const PLACE_ORDER = operation('PlaceOrder');
const WARM_UP_ADMITTED = 200;
const WARM_UP_REFUSED = 2_000;
const TIMELINE = 'query($id: ID!) { order(id: $id) { id status statusHistory { status at } } }';

interface Decision {
  customer: number;
  orderId: string;
}

type PlaceOrderAnswer = { data?: { placeOrder: { order: { id: string } | null; userErrors: { code: string }[] } }; errors?: { extensions?: { code?: string } }[] };

export async function dropScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { settings, stack, customers } = ctx;
  const startedAt = new Date().toISOString();
  const bearer = (i: number) => ({ authorization: `Bearer ${customers[i % customers.length]!.token}` });

  // Warm-up, never counted, as a store that has been serving before its drop is warm (connections, JIT, query plans,
  // consumer loops): admitted orders on one product, refusals on a sold-out one. With tokens of other customers, so
  // the drop's every token is still new to the gateway.
  const warmBearer = (i: number) => ({ authorization: `Bearer ${ctx.warmUpCustomers[i % ctx.warmUpCustomers.length]!.token}` });
  const warm = await createProduct(ctx.gql, ctx.adminToken, { name: `Warm-up ${ctx.run}`, price: '5.00', initialStock: 1_000_000 });
  const soldOut = await createProduct(ctx.gql, ctx.adminToken, { name: `Warm-up, sold out ${ctx.run}`, price: '5.00', initialStock: 0 });
  await eventually(() => stockOf(ctx.gql, ctx.adminToken, warm), (s) => s?.available === 1_000_000, 20_000, 100);
  await eventually(() => stockOf(ctx.gql, ctx.adminToken, soldOut), (s) => s?.available === 0, 20_000, 100);
  for (const [productId, amount, connections] of [[warm, WARM_UP_ADMITTED, 20], [soldOut, WARM_UP_REFUSED, settings.dropConnections]] as const) {
    await httpLoad({
      url: stack.gatewayUrl,
      connections,
      amount,
      headers: warmBearer,
      body: () => JSON.stringify({ query: PLACE_ORDER, variables: { input: { items: [{ productId, quantity: 1 }], idempotencyKey: randomUUID() } } }),
      check: graphqlOk,
    });
  }

  const product = await createProduct(ctx.gql, ctx.adminToken, { name: `The drop ${ctx.run}`, price: '120.00', initialStock: settings.units, maxPerCustomer: 1 });
  await eventually(() => stockOf(ctx.gql, ctx.adminToken, product), (s) => s?.available === settings.units, 20_000, 100);
  await new Promise((r) => setTimeout(r, 2_000)); // let the warm-up's sagas drain

  const n = customers.length;

  const admitted: Decision[] = [];
  let outOfStock = 0;
  // Latency by answer: the admitted write their order, the refused do not.
  const admittedMs: number[] = [];
  const refusedMs: number[] = [];
  const processes = { ...ctx.pids(), 'bench (load generator)': process.pid };
  const cpuBefore = cpuSnapshot(processes);
  const drop = await httpLoad({
    url: stack.gatewayUrl,
    connections: settings.dropConnections,
    amount: n,
    headers: bearer,
    body: (i) => JSON.stringify({ query: PLACE_ORDER, variables: { input: { items: [{ productId: product, quantity: 1 }], idempotencyKey: `drop-${ctx.run}-${i}` } } }),
    check: (i, _status, text, ms) => {
      const answer = JSON.parse(text) as PlaceOrderAnswer;
      if (answer.errors?.length) return `GraphQL ${answer.errors[0]!.extensions?.code ?? 'error'}`;
      const result = answer.data?.placeOrder;
      if (result?.order) {
        admitted.push({ customer: i, orderId: result.order.id });
        admittedMs.push(ms);
        return null;
      }
      if (result?.userErrors[0]?.code === 'OUT_OF_STOCK') {
        outOfStock++;
        refusedMs.push(ms);
        return null;
      }
      return `userError ${result?.userErrors[0]?.code ?? 'none'}`;
    },
  });

  const cpu = cpuPerOperation(cpuBefore, cpuSnapshot(processes), drop.durationMs, n);
  // The baselines after the drop, so the drop meets every customer's token for the first time (as in a real drop)
  // and the baselines see the verified-token caches warm (the gateway's real ceiling).
  const typename = await httpLoad({ url: stack.gatewayUrl, connections: settings.dropConnections, amount: n, headers: bearer, body: () => '{"query":"{ __typename }"}', check: graphqlOk });
  const lua = await luaBaseline(ctx, n);

  // Admission → AWAITING_PAYMENT, by the order's own history (PENDING is written in the admitting transaction).
  const toAwaiting = await awaitingDelays(ctx, admitted);
  const stock = await eventually(() => stockOf(ctx.gql, ctx.adminToken, product), (s) => !!s && s.reserved + s.sold === admitted.length, 30_000, 100);
  const oversold = Math.max(0, admitted.length - settings.units, (stock?.reserved ?? 0) + (stock?.sold ?? 0) - settings.units);

  const subject = seriesOf('placeOrder through the gateway', false, drop);
  const series = [subject, seriesOf('{ __typename } through the gateway', true, typename), seriesOf('admission Lua on Redis', true, lua)];
  const awaitingSorted = [...toAwaiting].sort((a, b) => a - b);
  const p95Awaiting = percentile(awaitingSorted, 95);
  return {
    scenario: 'drop',
    title: `The drop: ${n.toLocaleString('en')} customers, ${settings.units} units, maxPerCustomer 1`,
    startedAt,
    params: { customers: n, units: settings.units, connections: settings.dropConnections, requests: n },
    series,
    facts: {
      'decisions per second': Math.round(subject.rps),
      'CPU ms per decision (the system, during the drop)': Math.round(cpu.totalMs * 100) / 100,
      admitted: admitted.length,
      OUT_OF_STOCK: outOfStock,
      errors: drop.errors,
      ...(drop.errors ? { 'error reasons': JSON.stringify(drop.errorReasons) } : {}),
      oversold,
      'stock after (available/reserved/sold)': stock ? `${stock.available}/${stock.reserved}/${stock.sold}` : 'unknown',
      'reached AWAITING_PAYMENT': `${toAwaiting.length} of ${admitted.length}`,
      'latency p50 / p99 ms, admitted': latencyPair(admittedMs),
      'latency p50 / p99 ms, OUT_OF_STOCK': latencyPair(refusedMs),
      'admission → AWAITING_PAYMENT p50 ms': Math.round(percentile(awaitingSorted, 50)),
      'admission → AWAITING_PAYMENT p95 ms': Math.round(p95Awaiting),
    },
    tables: [{ title: `CPU used during the drop's ${(drop.durationMs / 1000).toFixed(1)} s, by process (the saga's work after it is not counted)`, rows: cpu.rows }],
    checks: [
      { name: 'decisions per second', actual: subject.rps.toFixed(0), target: '≥ 2,000', pass: subject.rps >= 2000 },
      { name: 'decision latency p99', actual: `${at(subject, 99).toFixed(0)} ms`, target: '< 250 ms', pass: at(subject, 99) < 250 },
      { name: 'CPU per decision, the system together', actual: `${cpu.totalMs.toFixed(2)} ms`, target: '≤ 1.0 ms', pass: cpu.totalMs <= 1.0 },
      { name: 'admitted', actual: String(admitted.length), target: `exactly ${settings.units}`, pass: admitted.length === settings.units },
      { name: 'errors', actual: String(drop.errors), target: '0', pass: drop.errors === 0 },
      { name: 'oversold', actual: String(oversold), target: '0', pass: oversold === 0 },
      {
        name: 'admission → AWAITING_PAYMENT p95',
        actual: `${p95Awaiting.toFixed(0)} ms (${toAwaiting.length}/${admitted.length} reached)`,
        target: '< 500 ms',
        pass: p95Awaiting < 500 && toAwaiting.length === admitted.length,
      },
    ],
  };
}

/** The gate's Lua script straight on Redis: the same customers, units and concurrency, on a prefix of its own. */
async function luaBaseline(ctx: BenchContext, n: number) {
  const redis = new Redis(ctx.stack.config.redisUrl, { enableAutoPipelining: true });
  const prefix = `lc:bench:${ctx.run}:lua:`;
  const gate = new AdmissionGate(redis, prefix);
  try {
    const productId = randomUUID();
    await gate.restoreOrders([]); // a gate with its data: nothing to restore
    await gate.setStock(productId, ctx.settings.units);
    let admitted = 0;
    const { ms, latencies } = await runConcurrent(n, ctx.settings.dropConnections, async (i) => {
      const result = await gate.admit({ orderId: randomUUID(), customerId: ctx.customers[i]!.id, lines: [{ productId, quantity: 1, maxPerCustomer: 1 }] });
      if (result.admitted) admitted++;
    });
    if (admitted !== ctx.settings.units) throw new Error(`the Lua baseline admitted ${admitted}, expected ${ctx.settings.units}`);
    return { latencies, durationMs: ms, errors: 0 };
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.unlink(...keys);
    redis.disconnect();
  }
}

/** ms from PENDING to AWAITING_PAYMENT of every admitted order that gets there within 60 s. */
async function awaitingDelays(ctx: BenchContext, admitted: Decision[]): Promise<number[]> {
  const delays: number[] = [];
  await runConcurrent(admitted.length, 16, async (k) => {
    const { orderId, customer } = admitted[k]!;
    type Timeline = { order: { statusHistory: { status: string; at: string }[] } | null };
    const history = await eventually(
      () => ctx.gql<Timeline>(TIMELINE, { id: orderId }, ctx.customers[customer]!.token),
      (t) => !!t.order?.statusHistory.some((h) => h.status === 'AWAITING_PAYMENT'),
      60_000,
      200,
    );
    const at = (status: string) => history.order?.statusHistory.find((h) => h.status === status)?.at;
    const pending = at('PENDING');
    const awaiting = at('AWAITING_PAYMENT');
    if (pending && awaiting) delays.push(Date.parse(awaiting) - Date.parse(pending));
  });
  return delays;
}

function latencyPair(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return sorted.length ? `${Math.round(percentile(sorted, 50))} / ${Math.round(percentile(sorted, 99))}` : 'none';
}
