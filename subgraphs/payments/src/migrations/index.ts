import type { MigrationDef } from '@limitedcart/common/db';
import { inboxMigrations, outboxMigrations } from '@limitedcart/common/messaging';
import { M001CreatePaymentOrder } from './m001-create-payment-order.ts';
import { M002CreatePayment } from './m002-create-payment.ts';
import { M003CreateMockProviderEvent } from './m003-create-mock-provider-event.ts';

/** Every migration of the payments database, explicitly (no file discovery at run time). Names fix the order. */
export const paymentsMigrations: MigrationDef[] = [
  ...outboxMigrations,
  ...inboxMigrations,
  { name: 'M001_create_payment_order', class: M001CreatePaymentOrder },
  { name: 'M002_create_payment', class: M002CreatePayment },
  { name: 'M003_create_mock_provider_event', class: M003CreateMockProviderEvent },
];
