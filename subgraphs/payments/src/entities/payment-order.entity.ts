import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const PAYMENT_ORDER_STATES = ['PLACED', 'OPEN', 'PAID', 'CLOSED'] as const;
export type PaymentOrderState = (typeof PAYMENT_ORDER_STATES)[number];

/** Payments' projection of an order (table from M001). Changed through conditional SQL, never the unit of work. */
export const PaymentOrderEntity = defineEntity({
  name: 'PaymentOrder',
  tableName: 'payment_order',
  properties: {
    orderId: p.string().primary().fieldName('order_id'),
    customerId: p.string().fieldName('customer_id').nullable(),
    state: p.string(),
    amountMinor: p.bigint('number').fieldName('amount_minor').nullable(),
    currency: p.string().nullable(),
    paymentDueAt: p.datetime().fieldName('payment_due_at').nullable(),
    closedReason: p.string().fieldName('closed_reason').nullable(),
    createdAt: p.datetime().fieldName('created_at'),
    updatedAt: p.datetime().fieldName('updated_at'),
  },
});

export type PaymentOrder = InferEntity<typeof PaymentOrderEntity>;
