import { runMain } from '@limitedcart/common';
import { inventoryService } from './index.ts';

await runMain(inventoryService);
