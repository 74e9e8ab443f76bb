// Crash safety: the orders process, and in another test the inventory process, is killed with SIGKILL in the middle of
// running sagas and started again. Every admitted order still reaches the right end state, and no unit is lost or sold
// twice. Runs on the shared stack through its control endpoint (tests/e2e/global-setup.ts); e2e files run one at a time.
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { registerCustomer } from './harness.ts';
import { CARDS, createProduct, payOrder, placeOrder, readOrder, stockSettles, waitForStatus } from './shop.ts';

async function control(action: 'kill' | 'restart', service: 'orders' | 'inventory'): Promise<void> {
  const url = inject('controlUrl');
  if (!url) throw new Error('crash tests need the stack started by tests/e2e/global-setup.ts (unset E2E_GATEWAY_URL)');
  const res = await fetch(`${url}/${action}/${service}${action === 'kill' ? '?signal=SIGKILL' : ''}`, {
    method: 'POST',
    signal: AbortSignal.timeout(120_000),
  });
  if (res.status !== 204) throw new Error(`${action} ${service}: ${res.status} ${await res.text()}`);
}

async function crashDuringSagas(service: 'orders' | 'inventory') {
  const UNITS = 20;
  const ORDERS = 10;
  const productId = await createProduct({ initialStock: UNITS, maxPerCustomer: 1 });
  const buyers = await Promise.all(Array.from({ length: ORDERS }, () => registerCustomer(`crash-${service}`)));

  // Kill while OrderPlaced events are still in outboxes and topics.
  const placed = await Promise.all(buyers.map((b) => placeOrder(b.accessToken, [{ productId, quantity: 1 }], randomUUID())));
  expect(placed.every((p) => p.order)).toBe(true);
  await control('kill', service);
  await control('restart', service);
  const orders = placed.map((p, i) => ({ buyer: buyers[i]!, id: p.order!.id }));
  await Promise.all(orders.map((o) => waitForStatus(o.buyer.accessToken, o.id, 'AWAITING_PAYMENT', 30_000)));

  // Kill again while payments are flowing back (PaymentSucceeded → CONFIRMED → OrderConfirmed → commit).
  const payers = orders.slice(0, ORDERS / 2);
  await Promise.all(payers.map(async (o) => expect((await payOrder(o.buyer.accessToken, o.id, CARDS.ok)).payment?.status).toBe('SUCCEEDED')));
  await control('kill', service);
  await control('restart', service);

  await Promise.all(payers.map((o) => waitForStatus(o.buyer.accessToken, o.id, 'CONFIRMED', 30_000)));
  await Promise.all(orders.slice(ORDERS / 2).map((o) => waitForStatus(o.buyer.accessToken, o.id, 'EXPIRED', 60_000)));
  for (const o of orders) {
    const history = (await readOrder(o.buyer.accessToken, o.id))!.statusHistory.map((h) => h.status);
    expect(new Set(history).size).toBe(history.length);
  }
  await stockSettles(productId, { available: UNITS - payers.length, reserved: 0, sold: payers.length });
}

describe('crash safety', () => {
  it('orders killed (SIGKILL) mid-saga twice: every order ends right, stock adds up', async () => {
    await crashDuringSagas('orders');
  }, 180_000);

  it('inventory killed (SIGKILL) mid-saga twice: every order ends right, stock adds up', async () => {
    await crashDuringSagas('inventory');
  }, 180_000);
});
