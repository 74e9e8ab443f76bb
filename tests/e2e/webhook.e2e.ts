// The payment provider's webhook as the contract defines it, on the running payments service: HMAC signature over
// "<t>.<raw body>", a 5-minute window, event-id dedup, and exactly one effect per event even when our event races the
// mock provider's own delivery for the same refund.
import { createHmac, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../common/src/config.ts';
import { registerCustomer } from './harness.ts';
import { CARDS, createProduct, mutateOrder, payOrder, placeOrder, readOrder, stockOf, waitForStatus } from './shop.ts';

let url: string;
let secret: string;

beforeAll(() => {
  const env = inject('stackEnv');
  if (!env.PAYMENTS_PORT) throw new Error('webhook e2e needs the stack started by tests/e2e/global-setup.ts (unset E2E_GATEWAY_URL)');
  const config = loadConfig({ ...process.env, ...env });
  url = `http://127.0.0.1:${config.ports.payments}/webhooks/payments`;
  secret = config.paymentWebhookSecret;
});

function sign(body: string, t = Math.floor(Date.now() / 1000), key = secret): string {
  return `t=${t},v1=${createHmac('sha256', key).update(`${t}.${body}`).digest('hex')}`;
}

async function deliver(event: object, signature?: (body: string) => string) {
  const body = JSON.stringify(event);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-signature': signature(body) } : {}) },
    body,
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as { outcome?: string } | null };
}

describe('provider webhook', () => {
  it('refuses a missing, wrong or stale signature with 400; answers a replayed event id with 200 and no effect', async () => {
    const event = { id: `evt_${randomUUID()}`, type: 'payment.succeeded', data: { paymentId: randomUUID() } };
    expect((await deliver(event)).status).toBe(400);
    expect((await deliver(event, (b) => sign(b, undefined, 'not-the-secret'))).status).toBe(400);
    expect((await deliver(event, (b) => sign(b, Math.floor(Date.now() / 1000) - 301))).status).toBe(400);
    expect((await deliver(event, (b) => sign(b, Math.floor(Date.now() / 1000) + 301))).status).toBe(400);
    // A signature of another body does not carry over.
    expect((await deliver(event, () => sign('{}'))).status).toBe(400);
    const first = await deliver(event, (b) => sign(b));
    expect(first.status).toBe(200);
    const again = await deliver(event, (b) => sign(b));
    expect(again).toMatchObject({ status: 200, body: { outcome: 'duplicate' } });
  });

  it('a refund settled by our event, racing the provider delivering its own, takes effect once', async () => {
    const buyer = await registerCustomer('webhook');
    const productId = await createProduct({ initialStock: 3 });
    const { order } = await placeOrder(buyer.accessToken, [{ productId, quantity: 1 }]);
    await waitForStatus(buyer.accessToken, order!.id, 'AWAITING_PAYMENT');
    const paid = await payOrder(buyer.accessToken, order!.id, CARDS.ok);
    await waitForStatus(buyer.accessToken, order!.id, 'CONFIRMED');
    expect((await mutateOrder('CancelOrder', buyer.accessToken, { input: { id: order!.id } })).userErrors).toEqual([]);

    const refund = { id: `evt_${randomUUID()}`, type: 'refund.succeeded', data: { paymentId: paid.payment!.id } };
    const ours = await deliver(refund, (b) => sign(b));
    expect(ours.status).toBe(200);
    expect(['applied', 'ignored']).toContain(ours.body?.outcome);
    expect((await deliver(refund, (b) => sign(b))).body?.outcome).toBe('duplicate');

    const refunded = await waitForStatus(buyer.accessToken, order!.id, 'REFUNDED');
    expect(refunded.payment?.status).toBe('REFUNDED');
    expect(refunded.statusHistory.filter((h) => h.status === 'REFUNDED')).toHaveLength(1);
    // Restocked exactly once, also after the provider's own delivery had its chance.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await stockOf(productId)).toEqual({ available: 3, reserved: 0, sold: 0 });
    expect((await readOrder(buyer.accessToken, order!.id))?.status).toBe('REFUNDED');
  });
});
