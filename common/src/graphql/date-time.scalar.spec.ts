import { Kind } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DateTimeScalar } from './date-time.scalar.ts';

describe('DateTime', () => {
  it('serializes dates as ISO-8601 UTC', () => {
    expect(DateTimeScalar.serialize(new Date(Date.UTC(2025, 0, 31, 9, 30)))).toBe('2025-01-31T09:30:00.000Z');
  });
  it('parses ISO strings from variables and literals', () => {
    expect(DateTimeScalar.parseValue('2025-01-31T10:30:00+01:00')).toEqual(new Date(Date.UTC(2025, 0, 31, 9, 30)));
    expect(DateTimeScalar.parseLiteral({ kind: Kind.STRING, value: '2025-01-31T09:30:00Z' })).toEqual(new Date(Date.UTC(2025, 0, 31, 9, 30)));
  });
  it('rejects non-dates', () => {
    expect(() => DateTimeScalar.parseValue('yesterday')).toThrow(/ISO-8601/);
    expect(() => DateTimeScalar.parseValue(5)).toThrow(/ISO-8601/);
    expect(() => DateTimeScalar.serialize('not a date')).toThrow(/ISO-8601/);
  });
});
