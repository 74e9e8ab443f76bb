import type { ServiceModule } from '@limitedcart/common';
import { startPayments } from './payments.app.ts';

export { startPayments, PAYMENTS_SDL, type PaymentsStartOptions, type RunningPayments } from './payments.app.ts';

/** The payments subgraph: payment attempts against the mock provider, its signed webhook, refunds, and Order.payment(s). */
export const paymentsService: ServiceModule = {
  name: 'payments',
  start: startPayments,
};
