import { describe, expect, it } from 'vitest';
import { formatMinorUnits, money, parseMinorUnits } from './money.ts';

describe('money', () => {
  it.each([
    ['19.99', 1999],
    ['0.5', 50],
    ['7', 700],
    ['0.01', 1],
    [' 12.30 ', 1230],
    ['1000000.00', 100_000_000],
  ])('parses %s', (text, minor) => expect(parseMinorUnits(text)).toBe(minor));

  it.each(['', '-1', '1.999', 'abc', '1e3', '01.5', '.5', '1.', 'NaN'])('rejects %j', (text) => expect(parseMinorUnits(text)).toBeNull());

  it('formats without float rounding', () => {
    expect(formatMinorUnits(1999)).toBe('19.99');
    expect(formatMinorUnits(5)).toBe('0.05');
    expect(formatMinorUnits(0)).toBe('0.00');
    expect(formatMinorUnits(-250)).toBe('-2.50');
    expect(money(30, 'USD')).toEqual({ amount: '0.30', currencyCode: 'USD' });
    expect(() => formatMinorUnits(1.5)).toThrow(RangeError);
  });

  it('round-trips', () => {
    for (const minor of [1, 10, 99, 100, 123_456, 999_999_999]) expect(parseMinorUnits(formatMinorUnits(minor))).toBe(minor);
  });
});
