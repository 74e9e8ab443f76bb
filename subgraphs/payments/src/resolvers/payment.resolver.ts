import { money, type Money } from '@limitedcart/common';
import type { PaymentView } from '../services/payment-rows.ts';
import type { OrderRef } from './order.resolver.ts';

/** `Payment`: fields named as in PaymentView resolve by default. */
export const paymentResolvers = {
  order: (payment: PaymentView): OrderRef => ({ id: payment.orderId }),
  amount: (payment: PaymentView): Money => money(payment.amountMinor, payment.currency),
};
