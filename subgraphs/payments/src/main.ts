import { runMain } from '@limitedcart/common';
import { paymentsService } from './index.ts';

await runMain(paymentsService);
