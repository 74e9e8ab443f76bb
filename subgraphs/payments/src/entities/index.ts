import { MockProviderEventEntity } from './mock-provider-event.entity.ts';
import { PaymentOrderEntity } from './payment-order.entity.ts';
import { PaymentEntity } from './payment.entity.ts';

export const paymentsEntities = [PaymentOrderEntity, PaymentEntity, MockProviderEventEntity];
