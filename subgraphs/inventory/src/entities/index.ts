import { HoldEntity, HoldLineEntity } from './hold.entity.ts';
import { StockEntity } from './stock.entity.ts';

export const inventoryEntities = [StockEntity, HoldEntity, HoldLineEntity];
