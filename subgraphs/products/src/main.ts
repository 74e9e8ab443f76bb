import { runMain } from '@limitedcart/common';
import { productsService } from './index.ts';

await runMain(productsService);
