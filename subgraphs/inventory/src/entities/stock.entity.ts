import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A product's stock (table from M001). Movements go through conditional SQL updates, not the unit of work. */
export const StockEntity = defineEntity({
  name: 'Stock',
  tableName: 'stock',
  properties: {
    productId: p.string().primary().fieldName('product_id'),
    available: p.integer(),
    reserved: p.integer(),
    sold: p.integer(),
    received: p.integer(),
    maxPerCustomer: p.integer().fieldName('max_per_customer').nullable(),
    active: p.boolean(),
    productVersion: p.integer().fieldName('product_version'),
    createdAt: p.datetime().fieldName('created_at'),
    updatedAt: p.datetime().fieldName('updated_at'),
  },
});

export type Stock = InferEntity<typeof StockEntity>;
