import { describe, expect, it } from 'vitest';
import { isExpired, luhnValid, normalizeCardNumber, parseCard } from '../src/services/card.ts';
import { decideCharge, TEST_CARDS } from '../src/services/mock-payment-provider.ts';

const NOW = new Date(Date.UTC(2026, 4, 15)); // May 2026
const card = (over: Partial<{ number: string; expMonth: number; expYear: number; cvc: string }> = {}) => ({
  number: '4242 4242 4242 4242',
  expMonth: 12,
  expYear: 2030,
  cvc: '123',
  ...over,
});

describe('Luhn', () => {
  it('accepts the test cards and rejects a changed digit', () => {
    for (const number of Object.values(TEST_CARDS)) expect(luhnValid(number)).toBe(true);
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(luhnValid('79927398710')).toBe(false);
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('4242a42424242424')).toBe(false);
  });
});

describe('card number', () => {
  it('ignores spaces and needs 12 to 19 digits', () => {
    expect(normalizeCardNumber(' 4242 4242 4242 4242 ')).toBe('4242424242424242');
    expect(normalizeCardNumber('12345678901')).toBeNull();
    expect(normalizeCardNumber('123456789012')).toBe('123456789012');
    expect(normalizeCardNumber('1234567890123456789')).toBe('1234567890123456789');
    expect(normalizeCardNumber('12345678901234567890')).toBeNull();
    expect(normalizeCardNumber('4242-4242-4242-4242')).toBeNull();
    expect(normalizeCardNumber('4242\t4242 4242 4242')).toBeNull();
  });
});

describe('expiry', () => {
  it('is valid through the last day of its month (UTC)', () => {
    expect(isExpired(5, 2026, NOW)).toBe(false);
    expect(isExpired(4, 2026, NOW)).toBe(true);
    expect(isExpired(12, 2025, NOW)).toBe(true);
    expect(isExpired(1, 2027, NOW)).toBe(false);
    expect(isExpired(5, 2026, new Date(Date.UTC(2026, 4, 31, 23, 59, 59)))).toBe(false);
    expect(isExpired(5, 2026, new Date(Date.UTC(2026, 5, 1)))).toBe(true);
  });
});

describe('parseCard', () => {
  it('keeps digits and last4 of a valid card', () => {
    expect(parseCard(card(), ['input', 'card'], NOW)).toEqual({
      ok: true,
      card: { number: '4242424242424242', last4: '4242', expMonth: 12, expYear: 2030 },
    });
    expect(parseCard(card({ cvc: '1234' }), ['input', 'card'], NOW).ok).toBe(true);
  });

  it.each([
    [{ number: '4242 4242 4242 4241' }, 'number'],
    [{ number: '42' }, 'number'],
    [{ number: '' }, 'number'],
    [{ number: '4242x4242x4242x4242' }, 'number'],
    [{ expMonth: 0 }, 'expMonth'],
    [{ expMonth: 13 }, 'expMonth'],
    [{ expMonth: 1.5 }, 'expMonth'],
    [{ expYear: 2025 }, 'expYear'],
    [{ expYear: 26 }, 'expYear'],
    [{ expYear: 2026, expMonth: 4 }, 'expMonth'],
    [{ cvc: '12' }, 'cvc'],
    [{ cvc: '12345' }, 'cvc'],
    [{ cvc: '12a' }, 'cvc'],
  ])('%o → INVALID_INPUT at input.card.%s', (over, field) => {
    const res = parseCard(card(over), ['input', 'card'], NOW);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.errors).toEqual([{ code: 'INVALID_INPUT', field: ['input', 'card', field], message: expect.any(String) }]);
  });

  it('reports every bad field, and never quotes the number or the cvc', () => {
    const res = parseCard({ number: '4242424242424241', expMonth: 0, expYear: 1999, cvc: '9' }, ['input', 'card'], NOW);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.errors.map((e) => e.field?.at(-1))).toEqual(['number', 'expMonth', 'expYear', 'cvc']);
    expect(JSON.stringify(res.errors)).not.toMatch(/4242|424241/);
  });
});

describe('mock provider decision', () => {
  it('follows the test cards; any other valid card succeeds', () => {
    expect(decideCharge(TEST_CARDS.succeeds)).toEqual({ status: 'SUCCEEDED' });
    expect(decideCharge(TEST_CARDS.declined)).toEqual({ status: 'FAILED', reason: 'card_declined' });
    expect(decideCharge(TEST_CARDS.insufficientFunds)).toEqual({ status: 'FAILED', reason: 'insufficient_funds' });
    expect(decideCharge(TEST_CARDS.asyncSucceeds)).toEqual({ status: 'PENDING' });
    expect(decideCharge('5555555555554444')).toEqual({ status: 'SUCCEEDED' });
  });
});
