import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A group of products; `slug` is unique (the database decides, also under concurrent creates). Table from M001. */
export const CategoryEntity = defineEntity({
  name: 'Category',
  tableName: 'category',
  properties: {
    id: p.uuid().primary(),
    name: p.string(),
    slug: p.string(),
    createdAt: p.datetime().fieldName('created_at'),
  },
});

export type Category = InferEntity<typeof CategoryEntity>;
