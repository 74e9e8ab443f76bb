import { describe, expect, it } from 'vitest';
import { validateCreateCategory, validateCreateProduct, validateUpdateProduct } from './product-input.ts';

const good = { name: ' Drop Sneaker ', price: '19.99' };
const codes = (r: { ok: boolean; errors?: { code: string; field: string[] | null }[] }) => (r.ok ? [] : r.errors!.map((e) => `${e.code}:${e.field?.join('.')}`));

describe('createProduct input', () => {
  it('normalizes a valid input with defaults', () => {
    const r = validateCreateProduct(good);
    expect(r).toEqual({
      ok: true,
      value: { name: 'Drop Sneaker', description: '', priceMinor: 1999, categoryId: null, imageUrl: null, maxPerCustomer: null, initialStock: 0 },
    });
  });

  it.each(['0', '0.00', '-1', '1.999', 'abc', '', '1000000.01'])('refuses price %j', (price) => {
    expect(codes(validateCreateProduct({ ...good, price }))).toEqual(['INVALID_INPUT:input.price']);
  });

  it('accepts the price bounds', () => {
    expect(validateCreateProduct({ ...good, price: '0.01' }).ok).toBe(true);
    expect(validateCreateProduct({ ...good, price: '1000000.00' }).ok).toBe(true);
  });

  it('refuses maxPerCustomer < 1, negative or fractional initialStock, bad URLs, empty names, all at once', () => {
    const r = validateCreateProduct({ name: '  ', price: '5', maxPerCustomer: 0, initialStock: -1, imageUrl: 'ftp://x/y.png' });
    expect(codes(r)).toEqual(['INVALID_INPUT:input.name', 'INVALID_INPUT:input.imageUrl', 'INVALID_INPUT:input.maxPerCustomer', 'INVALID_INPUT:input.initialStock']);
    expect(codes(validateCreateProduct({ ...good, initialStock: 1.5 }))).toEqual(['INVALID_INPUT:input.initialStock']);
    expect(validateCreateProduct({ ...good, maxPerCustomer: null, initialStock: 1_000_000 }).ok).toBe(true);
  });
});

describe('updateProduct input', () => {
  it('turns only the given keys into changes; null clears the clearable ones', () => {
    expect(validateUpdateProduct({ id: 'x', price: '2.50', maxPerCustomer: null, imageUrl: null })).toEqual({
      ok: true,
      value: { priceMinor: 250, maxPerCustomer: null, imageUrl: null },
    });
    expect(validateUpdateProduct({ id: 'x', active: false })).toEqual({ ok: true, value: { active: false } });
    expect(validateUpdateProduct({ id: 'x' })).toEqual({ ok: true, value: {} });
  });

  it('refuses null for fields that cannot be empty', () => {
    expect(codes(validateUpdateProduct({ id: 'x', name: null, price: null, active: null, description: null }))).toEqual([
      'INVALID_INPUT:input.name',
      'INVALID_INPUT:input.description',
      'INVALID_INPUT:input.price',
      'INVALID_INPUT:input.active',
    ]);
  });
});

describe('createCategory input', () => {
  it('checks slug format and name length', () => {
    expect(validateCreateCategory({ name: ' Shoes ', slug: 'shoes-2' })).toEqual({ ok: true, value: { name: 'Shoes', slug: 'shoes-2' } });
    for (const slug of ['Shoes', 'shoes_2', '', 'a b', 'é', 'x'.repeat(65)]) {
      expect(codes(validateCreateCategory({ name: 'Shoes', slug }))).toEqual(['INVALID_INPUT:input.slug']);
    }
    expect(codes(validateCreateCategory({ name: '', slug: 'ok' }))).toEqual(['INVALID_INPUT:input.name']);
  });
});
