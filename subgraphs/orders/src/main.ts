import { runMain } from '@limitedcart/common';
import { ordersService } from './index.ts';

await runMain(ordersService);
