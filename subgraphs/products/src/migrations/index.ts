import type { MigrationDef } from '@limitedcart/common/db';
import { outboxMigrations } from '@limitedcart/common/messaging';
import { M001CreateCategory } from './m001-create-category.ts';
import { M002CreateProduct } from './m002-create-product.ts';

/** Every migration of the products database, explicitly (no file discovery at run time). Names fix the order. */
export const productsMigrations: MigrationDef[] = [
  ...outboxMigrations,
  { name: 'M001_create_category', class: M001CreateCategory },
  { name: 'M002_create_product', class: M002CreateProduct },
];
