// Events orders emits on `orders.events` (aggregate `Order`, key = order id). Shared here so the emitter
// (orders) and the consumers (inventory, payments) compile against one definition.

export const ORDER_AGGREGATE = 'Order';

export const ORDER_EVENTS = {
  placed: 'OrderPlaced',
  confirmed: 'OrderConfirmed',
  cancelled: 'OrderCancelled',
  refunded: 'OrderRefunded',
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

export interface OrderEventPayloads {
  OrderPlaced: OrderPlacedPayload;
  OrderConfirmed: OrderConfirmedPayload;
  OrderCancelled: OrderCancelledPayload;
  OrderRefunded: OrderRefundedPayload;
}
