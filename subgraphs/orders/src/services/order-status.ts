// The order's status machine (DESIGN §3). Every change goes through OrderTransitions, which refuses what is not here.
import type { OrderStatus } from '@limitedcart/common/events/order-events';

export type { OrderStatus };

const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ['AWAITING_PAYMENT', 'REJECTED', 'CANCELLED'],
  AWAITING_PAYMENT: ['CONFIRMED', 'EXPIRED', 'CANCELLED'],
  CONFIRMED: ['SHIPPED', 'REFUNDED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: [],
  REJECTED: [],
  EXPIRED: [],
  CANCELLED: [],
  REFUNDED: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to);
}

/** Nothing more happens to the order (DELIVERED included). */
export function isFinal(status: OrderStatus): boolean {
  return NEXT[status].length === 0;
}

/** Statuses whose units count against the customer's limit (the gate's live orders). */
export const LIVE_STATUSES: readonly OrderStatus[] = ['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'DELIVERED'];
