// Events payments emits on `payments.events` (key = order id, so one order's payment events stay in order and
// orders consumes them per order). Shared so the emitter (payments) and the consumer (orders) agree.

/** Payment events are about one order's money, keyed by the order: same aggregate type as orders' own. */
export const PAYMENT_AGGREGATE = 'Order';

export const PAYMENT_EVENTS = {
  succeeded: 'PaymentSucceeded',
  failed: 'PaymentFailed',
  refunded: 'PaymentRefunded',
} as const;
export type PaymentEventType = (typeof PAYMENT_EVENTS)[keyof typeof PAYMENT_EVENTS];

/** The order's total was charged: orders confirms it. */
export interface PaymentSucceededPayload {
  orderId: string;
  paymentId: string;
  amountMinor: number;
  currency: string;
}

/** The provider declined the card: the order stays AWAITING_PAYMENT (it may be paid again until paymentDueAt). */
export interface PaymentFailedPayload {
  orderId: string;
  paymentId: string;
  /** The provider's code, e.g. "card_declined", "insufficient_funds". */
  reason: string;
}

/** A succeeded payment was refunded in full (refund.succeeded): orders finishes a refund (REFUNDED). */
export interface PaymentRefundedPayload {
  orderId: string;
  paymentId: string;
  amountMinor: number;
  currency: string;
}

export interface PaymentEventPayloads {
  PaymentSucceeded: PaymentSucceededPayload;
  PaymentFailed: PaymentFailedPayload;
  PaymentRefunded: PaymentRefundedPayload;
}
