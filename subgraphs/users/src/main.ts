import { runMain } from '@limitedcart/common';
import { usersService } from './index.ts';

await runMain(usersService);
