import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from '../src/services/webhook-signature.ts';
import { parseProviderEvent } from '../src/services/webhook.service.ts';

const SECRET = 'whsec_test_secret_0123456789';
const BODY = JSON.stringify({ id: 'evt_1', type: 'payment.succeeded', data: { paymentId: 'p1' } });
const NOW = 1_760_000_000;

describe('webhook signature', () => {
  it('is t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW}.${BODY}`).digest('hex');
    expect(signWebhook(SECRET, BODY, NOW)).toBe(`t=${NOW},v1=${expected}`);
  });

  it('verifies its own signature, on strings and buffers', () => {
    const header = signWebhook(SECRET, BODY, NOW);
    expect(verifyWebhookSignature(SECRET, header, BODY, NOW)).toEqual({ ok: true });
    expect(verifyWebhookSignature(SECRET, header, Buffer.from(BODY), NOW + 0.5)).toEqual({ ok: true });
  });

  it('refuses a changed body, another secret, or a forged v1', () => {
    const header = signWebhook(SECRET, BODY, NOW);
    expect(verifyWebhookSignature(SECRET, header, `${BODY} `, NOW)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookSignature('whsec_other_secret_987654321', header, BODY, NOW)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookSignature(SECRET, `t=${NOW},v1=${'0'.repeat(64)}`, BODY, NOW)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookSignature(SECRET, `t=${NOW},v1=abc`, BODY, NOW)).toEqual({ ok: false, reason: 'mismatch' });
    // The signature of another timestamp does not carry over.
    const other = signWebhook(SECRET, BODY, NOW - 10).split(',')[1];
    expect(verifyWebhookSignature(SECRET, `t=${NOW},${other}`, BODY, NOW)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts any matching v1 among several (secret rotation)', () => {
    const good = signWebhook(SECRET, BODY, NOW);
    const v1 = good.split(',')[1];
    expect(verifyWebhookSignature(SECRET, `t=${NOW},v1=${'a'.repeat(64)},${v1}`, BODY, NOW)).toEqual({ ok: true });
  });

  it('refuses a timestamp more than 300 s off, either way', () => {
    expect(verifyWebhookSignature(SECRET, signWebhook(SECRET, BODY, NOW - 300), BODY, NOW)).toEqual({ ok: true });
    expect(verifyWebhookSignature(SECRET, signWebhook(SECRET, BODY, NOW - 301), BODY, NOW)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyWebhookSignature(SECRET, signWebhook(SECRET, BODY, NOW + 301), BODY, NOW)).toEqual({ ok: false, reason: 'stale' });
  });

  it('refuses missing and malformed headers', () => {
    expect(verifyWebhookSignature(SECRET, undefined, BODY, NOW)).toEqual({ ok: false, reason: 'missing' });
    expect(verifyWebhookSignature(SECRET, '', BODY, NOW)).toEqual({ ok: false, reason: 'missing' });
    for (const header of ['garbage', `v1=${'a'.repeat(64)}`, `t=${NOW}`, `t=abc,v1=${'a'.repeat(64)}`, `t=${NOW},t=${NOW},v1=x`]) {
      expect(verifyWebhookSignature(SECRET, header, BODY, NOW)).toEqual({ ok: false, reason: 'malformed' });
    }
    expect(verifyWebhookSignature(SECRET, ['a', 'b'], BODY, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('provider event body', () => {
  it('accepts the contract shape and refuses anything else', () => {
    expect(parseProviderEvent({ id: 'evt_1', type: 'payment.failed', data: { paymentId: 'p', failureReason: 'card_declined' } })).toEqual({
      id: 'evt_1',
      type: 'payment.failed',
      data: { paymentId: 'p', failureReason: 'card_declined' },
    });
    expect(parseProviderEvent({ id: 'evt_1', type: 'refund.succeeded', data: { paymentId: 'p' } })).toEqual({ id: 'evt_1', type: 'refund.succeeded', data: { paymentId: 'p' } });
    for (const bad of [null, 'x', {}, { id: '', type: 'payment.succeeded', data: { paymentId: 'p' } }, { id: 'e', type: 'charge.refunded', data: { paymentId: 'p' } }, { id: 'e', type: 'payment.succeeded' }, { id: 'e', type: 'payment.succeeded', data: {} }, { id: 'e', type: 'payment.failed', data: { paymentId: 'p', failureReason: 3 } }]) {
      expect(parseProviderEvent(bad)).toBeNull();
    }
  });
});
