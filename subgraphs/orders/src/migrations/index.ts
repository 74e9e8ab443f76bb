import type { MigrationDef } from '@limitedcart/common/db';
import { inboxMigrations, outboxMigrations } from '@limitedcart/common/messaging';
import { M001CreateCatalog } from './m001-create-catalog.ts';
import { M002CreateOrders } from './m002-create-orders.ts';

/** Every migration of the orders database, explicitly (no file discovery at run time). Names fix the order. */
export const ordersMigrations: MigrationDef[] = [
  ...outboxMigrations,
  ...inboxMigrations,
  { name: 'M001_create_catalog', class: M001CreateCatalog },
  { name: 'M002_create_orders', class: M002CreateOrders },
];
