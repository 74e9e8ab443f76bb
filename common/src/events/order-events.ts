// Events orders emits on `orders.events` (aggregate `Order`, key = order id). Shared here so the emitter
// (orders) and the consumers (inventory, payments) compile against one definition.

export const ORDER_AGGREGATE = 'Order';

export const ORDER_EVENTS = {
  placed: 'OrderPlaced',
  awaitingPayment: 'OrderAwaitingPayment',
  confirmed: 'OrderConfirmed',
  cancelled: 'OrderCancelled',
  expired: 'OrderExpired',
  refundRequested: 'OrderRefundRequested',
  refunded: 'OrderRefunded',
  statusChanged: 'OrderStatusChanged',
} as const;
export type OrderEventType = (typeof ORDER_EVENTS)[keyof typeof ORDER_EVENTS];

export interface OrderLineRef {
  productId: string;
  /** Positive integer. */
  quantity: number;
}

/** The order passed the admission gate and was written PENDING: inventory must hold every line, or none. */
export interface OrderPlacedPayload {
  orderId: string;
  customerId: string;
  lines: OrderLineRef[];
}

/** Payment succeeded: the held stock becomes sold. */
export interface OrderConfirmedPayload {
  orderId: string;
}

/** Cancelled before it was confirmed (PENDING or AWAITING_PAYMENT): held stock goes back. */
export interface OrderCancelledPayload {
  orderId: string;
  reason?: string;
}

/** A confirmed order was refunded: its sold stock becomes available again. */
export interface OrderRefundedPayload {
  orderId: string;
}

/** Stock is held: the order can be paid, for exactly this amount, until paymentDueAt. Payments opens the order. */
export interface OrderAwaitingPaymentPayload {
  orderId: string;
  customerId: string;
  /** The order's total in minor units (cents). */
  amountMinor: number;
  /** ISO 4217 code. */
  currency: string;
  /** ISO-8601: when the hold lapses. */
  paymentDueAt: string;
}

/** The payment window lapsed (inventory already released the stock). Payments closes the order (late charges are refunded). */
export interface OrderExpiredPayload {
  orderId: string;
}

/**
 * A paid order must be refunded (cancelled after payment, or its hold lapsed while the payment settled). Payments
 * refunds its succeeded payment; PaymentRefunded finishes the saga (REFUNDED).
 */
export interface OrderRefundRequestedPayload {
  orderId: string;
  reason?: string;
}

/** Statuses as the API names them. */
export const ORDER_STATUSES = [
  'PENDING',
  'AWAITING_PAYMENT',
  'CONFIRMED',
  'SHIPPED',
  'DELIVERED',
  'REJECTED',
  'EXPIRED',
  'CANCELLED',
  'REFUNDED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Every status change, for live updates (orders relays them to Redis pub/sub, the gateway to subscribers). */
export interface OrderStatusChangedPayload {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  previousStatus: OrderStatus | null;
  /** ISO-8601. */
  at: string;
  reason?: string;
  /** Position of this status in the order's history (1 = PENDING): lets receivers drop duplicates and stale ones. */
  version: number;
}

export interface OrderEventPayloads {
  OrderPlaced: OrderPlacedPayload;
  OrderAwaitingPayment: OrderAwaitingPaymentPayload;
  OrderConfirmed: OrderConfirmedPayload;
  OrderCancelled: OrderCancelledPayload;
  OrderExpired: OrderExpiredPayload;
  OrderRefundRequested: OrderRefundRequestedPayload;
  OrderRefunded: OrderRefundedPayload;
  OrderStatusChanged: OrderStatusChangedPayload;
}
