import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { orderIdFor } from './order-placement.service.ts';

describe('orderIdFor', () => {
  it('names one order per (customer, key): the same inputs give the same id, any other input another', () => {
    const id = orderIdFor('c1', 'key');
    expect(orderIdFor('c1', 'key')).toBe(id);
    expect(new Set([id, orderIdFor('c2', 'key'), orderIdFor('c1', 'key2'), orderIdFor('c1k', 'ey')]).size).toBe(4);
  });

  it('is a valid RFC 9562 UUID of version 8', () => {
    const id = orderIdFor('customer', 'x'.repeat(200));
    expect(z.uuid().safeParse(id).success).toBe(true);
    expect(id[14]).toBe('8');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
  });
});
