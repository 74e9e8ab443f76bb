import type { MigrationDef } from '@limitedcart/common/db';
import { inboxMigrations, outboxMigrations } from '@limitedcart/common/messaging';
import { M001CreateStock } from './m001-create-stock.ts';
import { M002CreateHold } from './m002-create-hold.ts';

/** Every migration of the inventory database, explicitly (no file discovery at run time). Names fix the order. */
export const inventoryMigrations: MigrationDef[] = [
  ...outboxMigrations,
  ...inboxMigrations,
  { name: 'M001_create_stock', class: M001CreateStock },
  { name: 'M002_create_hold', class: M002CreateHold },
];
