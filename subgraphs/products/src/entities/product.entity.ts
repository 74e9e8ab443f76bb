import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * A catalog product. Table from M002; its generated `search_vector` column is not mapped (PostgreSQL maintains it).
 * Timestamps have millisecond precision in the database, so a JS Date round-trips exactly (keyset cursors rely on it).
 */
export const ProductEntity = defineEntity({
  name: 'Product',
  tableName: 'product',
  properties: {
    id: p.uuid().primary(),
    name: p.string(),
    description: p.text(),
    priceMinor: p.integer().fieldName('price_minor'),
    currency: p.string(),
    categoryId: p.uuid().fieldName('category_id').nullable(),
    imageUrl: p.text().fieldName('image_url').nullable(),
    maxPerCustomer: p.integer().fieldName('max_per_customer').nullable(),
    active: p.boolean(),
    /** +1 per change; carried in events and guards the read cache against out-of-order writes. */
    version: p.integer(),
    createdAt: p.datetime().fieldName('created_at'),
    updatedAt: p.datetime().fieldName('updated_at'),
  },
});

export type Product = InferEntity<typeof ProductEntity>;
