// The gateway process: the only file with side effects.
import { runMain } from '@limitedcart/common';
import { gatewayService } from './gateway.ts';

await runMain(gatewayService);
