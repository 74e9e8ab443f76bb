// How long the saga takes, as a client sees it: from sending placeOrder to the AWAITING_PAYMENT payload of a live
// subscription (gate, PENDING + outbox, relay, Kafka, inventory's hold, Kafka, orders, Redis pub/sub, the gateway
// re-running the selection), and from sending payOrder to the CONFIRMED payload. Baseline in the same run: one plain
// `order(id)` query through the gateway (the floor any live update pays). Starts its own stack on ports 4200–4205
// (own databases, topics and Redis prefix, dropped at the end) and a local Kafka if none answers.
//   node tests/bench/saga-latency.bench.ts [--n 200] [--concurrency 4]
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { createProduct, gqlClient, login } from './lib/bench-client.ts';
import { openBenchStack } from './lib/bench-stack.ts';
import { percentile, runConcurrent } from './lib/load.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '4' },
    'time-limit': { type: 'string', default: '300' },
  },
});
const N = Number(values.n);
const CONCURRENCY = Number(values.concurrency);
const limit = setTimeout(() => {
  console.error(`time limit of ${values['time-limit']} s reached`);
  process.exit(1);
}, Number(values['time-limit']) * 1000);
limit.unref();

const run = randomBytes(4).toString('hex');
const stack = await openBenchStack({});

const gql = gqlClient(stack.gatewayUrl);

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const fmt = (xs: number[]) => {
  const s = sorted(xs);
  return `p50 ${percentile(s, 50).toFixed(1)} ms, p95 ${percentile(s, 95).toFixed(1)} ms, max ${s.at(-1)!.toFixed(1)} ms`;
};

try {
  const admin = await login(gql, stack.admin.email, stack.admin.password);
  const productId = await createProduct(gql, admin, { name: 'Bench sneaker', price: '10.00', initialStock: 1_000_000 });
  const customer = (await gql<{ register: { accessToken: string } }>(
    'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }',
    { i: { email: `bench-${run}@bench.limitedcart.test`, password: 'bench-password', name: 'Bench' } },
  )).register.accessToken;

  // Every status of every order, as the subscriber receives it.
  const seen = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const ws = createClient({ url: stack.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${customer}` } });
  ws.subscribe<{ myOrderUpdates: { id: string; status: string } }>(
    { query: 'subscription { myOrderUpdates { id status } }' },
    {
      next: ({ data }) => {
        if (!data) return;
        const key = `${data.myOrderUpdates.id}:${data.myOrderUpdates.status}`;
        if (!seen.has(key)) seen.set(key, performance.now());
        waiters.get(key)?.();
      },
      error: (e) => console.error('subscription error', e),
      complete: () => undefined,
    },
  );
  const reached = (orderId: string, status: string) =>
    seen.has(`${orderId}:${status}`)
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiters.set(`${orderId}:${status}`, resolve));
  await new Promise((r) => setTimeout(r, 500));

  // Warm-up (connections, JIT, consumer fetch loops), not measured.
  await runConcurrent(10, 2, async () => {
    const id = (await gql<{ placeOrder: { order: { id: string } } }>(
      'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }',
      { i: { items: [{ productId, quantity: 1 }], idempotencyKey: randomUUID() } },
      customer,
    )).placeOrder.order.id;
    await reached(id, 'AWAITING_PAYMENT');
  });

  const toAwaiting: number[] = [];
  const toConfirmed: number[] = [];
  const placeCall: number[] = [];
  const baseline: number[] = [];
  const total = await runConcurrent(N, CONCURRENCY, async () => {
    const t0 = performance.now();
    const id = (await gql<{ placeOrder: { order: { id: string } } }>(
      'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }',
      { i: { items: [{ productId, quantity: 1 }], idempotencyKey: randomUUID() } },
      customer,
    )).placeOrder.order.id;
    placeCall.push(performance.now() - t0);
    await reached(id, 'AWAITING_PAYMENT');
    toAwaiting.push(seen.get(`${id}:AWAITING_PAYMENT`)! - t0);
    const b0 = performance.now();
    await gql('query($id: ID!) { order(id: $id) { id status } }', { id }, customer);
    baseline.push(performance.now() - b0);
    const t1 = performance.now();
    await gql(
      'mutation($i: PayOrderInput!) { payOrder(input: $i) { payment { status } } }',
      { i: { orderId: id, idempotencyKey: randomUUID(), card: { number: '4242424242424242', expMonth: 12, expYear: new Date().getFullYear() + 2, cvc: '123' } } },
      customer,
    );
    await reached(id, 'CONFIRMED');
    toConfirmed.push(seen.get(`${id}:CONFIRMED`)! - t1);
  });
  await ws.dispose();

  const b50 = percentile(sorted(baseline), 50);
  console.log(`saga latency, ${N} orders, ${CONCURRENCY} in flight, ${(total.ms / 1000).toFixed(1)} s (${((N * 1000) / total.ms).toFixed(1)} orders/s paid end to end)`);
  console.log(`  baseline order(id) query through the gateway: ${fmt(baseline)}`);
  console.log(`  placeOrder response:                         ${fmt(placeCall)}  (p50 ${(percentile(sorted(placeCall), 50) / b50).toFixed(1)}× baseline)`);
  console.log(`  placeOrder → AWAITING_PAYMENT (live):        ${fmt(toAwaiting)}  (p50 ${(percentile(sorted(toAwaiting), 50) / b50).toFixed(1)}× baseline)`);
  console.log(`  payOrder → CONFIRMED (live):                 ${fmt(toConfirmed)}  (p50 ${(percentile(sorted(toConfirmed), 50) / b50).toFixed(1)}× baseline)`);
} finally {
  await stack.stop();
}
