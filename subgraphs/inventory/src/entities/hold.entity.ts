import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const HOLD_STATUSES = ['HELD', 'COMMITTED', 'RELEASED', 'EXPIRED', 'RETURNED', 'REJECTED'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];

/** One order's hold (table from M002): HELD → COMMITTED → RETURNED, or HELD → RELEASED | EXPIRED; REJECTED is final. */
export const HoldEntity = defineEntity({
  name: 'Hold',
  tableName: 'hold',
  properties: {
    orderId: p.string().primary().fieldName('order_id'),
    customerId: p.string().fieldName('customer_id'),
    status: p.string(),
    rejectReason: p.string().fieldName('reject_reason').nullable(),
    expiresAt: p.datetime().fieldName('expires_at').nullable(),
    createdAt: p.datetime().fieldName('created_at'),
    updatedAt: p.datetime().fieldName('updated_at'),
  },
});

/** One line of a hold. */
export const HoldLineEntity = defineEntity({
  name: 'HoldLine',
  tableName: 'hold_line',
  properties: {
    orderId: p.string().primary().fieldName('order_id'),
    productId: p.string().primary().fieldName('product_id'),
    quantity: p.integer(),
  },
});

export type Hold = InferEntity<typeof HoldEntity>;
export type HoldLine = InferEntity<typeof HoldLineEntity>;
