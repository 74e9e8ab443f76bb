import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** An order (table from M002). Status changes go through OrderTransitions (row lock, history, outbox), never the unit of work. */
export const OrderEntity = defineEntity({
  name: 'Order',
  tableName: 'orders',
  properties: {
    id: p.uuid().primary(),
    customerId: p.string().fieldName('customer_id'),
    status: p.string(),
    totalMinor: p.bigint('number').fieldName('total_minor'),
    currency: p.string(),
    failureReason: p.string().fieldName('failure_reason').nullable(),
    paymentDueAt: p.datetime().fieldName('payment_due_at').nullable(),
    refundRequestedAt: p.datetime().fieldName('refund_requested_at').nullable(),
    idempotencyKey: p.string().fieldName('idempotency_key'),
    requestHash: p.string().fieldName('request_hash'),
    version: p.integer(),
    createdAt: p.datetime().fieldName('created_at'),
    updatedAt: p.datetime().fieldName('updated_at'),
  },
});

/** One line of an order, priced at placement. */
export const OrderLineEntity = defineEntity({
  name: 'OrderLine',
  tableName: 'order_line',
  properties: {
    orderId: p.uuid().primary().fieldName('order_id'),
    position: p.integer().primary(),
    productId: p.string().fieldName('product_id'),
    quantity: p.integer(),
    unitPriceMinor: p.bigint('number').fieldName('unit_price_minor'),
  },
});

/** One entry of an order's status history. */
export const OrderStatusChangeEntity = defineEntity({
  name: 'OrderStatusChange',
  tableName: 'order_status_change',
  properties: {
    orderId: p.uuid().primary().fieldName('order_id'),
    version: p.integer().primary(),
    status: p.string(),
    reason: p.string().nullable(),
    at: p.datetime(),
  },
});

export type Order = InferEntity<typeof OrderEntity>;
export type OrderLine = InferEntity<typeof OrderLineEntity>;
export type OrderStatusChange = InferEntity<typeof OrderStatusChangeEntity>;
