import type { ServiceModule } from '@limitedcart/common';
import { startInventory } from './inventory.app.ts';

export { startInventory, INVENTORY_SDL, type InventoryStartOptions, type RunningInventory } from './inventory.app.ts';

/** The inventory subgraph: stock per product, durable holds of the order saga, expiry, and the admission gate's tokens. */
export const inventoryService: ServiceModule = {
  name: 'inventory',
  start: startInventory,
};
