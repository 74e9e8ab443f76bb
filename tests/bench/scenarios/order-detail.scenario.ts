// Order detail: the contract's Order query, which touches all five subgraphs (customer from users, product names
// from products, inStock from inventory, the payment from payments), for one paid order of the drop, by its owner.
// Baselines: orders' own fields straight from the orders subgraph, and Hive Gateway over the same subgraphs.
import { randomUUID } from 'node:crypto';
import { operation } from '../../lib/operations.ts';
import { eventually } from '../../lib/eventually.ts';
import type { BenchContext } from '../lib/bench-context.ts';
import { compareTargets, type Target } from '../lib/compare-targets.ts';
import type { ScenarioResult } from '../lib/result.ts';
import { readResult } from './catalog.scenario.ts';

const DIRECT_ORDER = `query DirectOrder($id: ID!) {
  order(id: $id) {
    id status failureReason paymentDueAt createdAt updatedAt
    total { amount currencyCode }
    items { quantity unitPrice { amount currencyCode } lineTotal { amount currencyCode } }
    statusHistory { status at reason }
  }
}`;

export async function orderDetailScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const { id, token } = await paidOrder(ctx);
  const variables = { id };
  const targets: Target[] = [
    { label: 'Apollo gateway (ours)', baseline: false, url: ctx.stack.gatewayUrl, query: operation('Order'), variables, token },
    { label: 'orders subgraph, direct, orders fields only', baseline: true, url: ctx.stack.subgraphUrl('orders'), query: DIRECT_ORDER, variables, token },
  ];
  if (ctx.hive) targets.push({ label: 'Hive Gateway (peer)', baseline: true, url: ctx.hive.url, query: operation('Order'), variables, token });
  const comparison = await compareTargets(ctx, targets);
  return readResult(ctx, startedAt, 'order-detail', 'Order detail: the Order query across all five subgraphs', comparison);
}

/** A CONFIRMED order with a payment: one more customer buys a catalog product and pays. */
async function paidOrder(ctx: BenchContext): Promise<{ id: string; token: string }> {
  const customer = ctx.customers[0]!;
  type Placed = { placeOrder: { order: { id: string } | null; userErrors: unknown[] } };
  const { placeOrder } = await ctx.gql<Placed>(
    operation('PlaceOrder'),
    { input: { items: [{ productId: ctx.catalog[0], quantity: 2 }], idempotencyKey: randomUUID() } },
    customer.token,
  );
  if (!placeOrder.order) throw new Error(`order detail: placeOrder refused: ${JSON.stringify(placeOrder.userErrors)}`);
  const id = placeOrder.order.id;
  type Status = { order: { status: string } | null };
  const status = (want: string) => eventually(() => ctx.gql<Status>('query($id: ID!) { order(id: $id) { status } }', { id }, customer.token), (o) => o.order?.status === want, 30_000, 100);
  await status('AWAITING_PAYMENT');
  const card = { number: '4242424242424242', expMonth: 12, expYear: new Date().getFullYear() + 2, cvc: '123' };
  await ctx.gql(operation('PayOrder'), { input: { orderId: id, idempotencyKey: randomUUID(), card } }, customer.token);
  const confirmed = await status('CONFIRMED');
  if (confirmed.order?.status !== 'CONFIRMED') throw new Error(`order detail: order ${id} did not reach CONFIRMED`);
  return { id, token: customer.token };
}
