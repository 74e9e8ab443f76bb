import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const PAYMENT_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'REFUND_PENDING', 'REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * One payment attempt (table from M002): PENDING → SUCCEEDED | FAILED, SUCCEEDED → REFUND_PENDING → REFUNDED.
 * Transitions are status-conditional SQL updates.
 */
export const PaymentEntity = defineEntity({
  name: 'Payment',
  tableName: 'payment',
  properties: {
    id: p.string().primary(),
    orderId: p.string().fieldName('order_id'),
    customerId: p.string().fieldName('customer_id'),
    idempotencyKey: p.string().fieldName('idempotency_key'),
    requestFingerprint: p.string().fieldName('request_fingerprint'),
    last4: p.string(),
    amountMinor: p.bigint('number').fieldName('amount_minor'),
    currency: p.string(),
    status: p.string(),
    failureReason: p.string().fieldName('failure_reason').nullable(),
    createdAt: p.datetime().fieldName('created_at'),
    updatedAt: p.datetime().fieldName('updated_at'),
  },
});

export type Payment = InferEntity<typeof PaymentEntity>;
