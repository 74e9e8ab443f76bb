import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** Orders' projection of a catalog product (table from M001), written only by the products.events consumer. */
export const CatalogProductEntity = defineEntity({
  name: 'CatalogProduct',
  tableName: 'catalog_product',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    priceMinor: p.bigint('number').fieldName('price_minor'),
    currency: p.string(),
    maxPerCustomer: p.integer().fieldName('max_per_customer').nullable(),
    active: p.boolean(),
    version: p.integer(),
    updatedAt: p.datetime().fieldName('updated_at'),
  },
});

export type CatalogProduct = InferEntity<typeof CatalogProductEntity>;
