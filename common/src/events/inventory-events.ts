// Events inventory emits on `inventory.events` (aggregate `Order`, key = order id, so they stay in order with
// the order's own events and orders can consume them per order). Shared so orders compiles against them.

/** Inventory's events are about one order's stock, keyed by the order: same aggregate type as orders' own. */
export const INVENTORY_AGGREGATE = 'Order';

export const INVENTORY_EVENTS = {
  reserved: 'StockReserved',
  rejected: 'StockRejected',
  holdExpired: 'HoldExpired',
  released: 'StockReleased',
  committed: 'StockCommitted',
  returned: 'StockReturned',
} as const;
export type InventoryEventType = (typeof INVENTORY_EVENTS)[keyof typeof INVENTORY_EVENTS];

export type StockRejectionReason = 'OUT_OF_STOCK' | 'UNKNOWN_PRODUCT';

/** Every line of the order is held until `holdExpiresAt` (ISO-8601): the payment window. */
export interface StockReservedPayload {
  orderId: string;
  holdExpiresAt: string;
}

/** Nothing was held; `productId` names the first line that failed. Orders rejects the order and releases its gate tokens. */
export interface StockRejectedPayload {
  orderId: string;
  reason: StockRejectionReason;
  productId?: string;
}

/** The payment window lapsed: the holds were released (stock is available again). Orders expires the order. */
export interface HoldExpiredPayload {
  orderId: string;
}

/** The holds were released because the order was cancelled (OrderCancelled). */
export interface StockReleasedPayload {
  orderId: string;
}

/** The holds became sold (OrderConfirmed). */
export interface StockCommittedPayload {
  orderId: string;
}

/** Sold stock of a refunded order went back to available (OrderRefunded). */
export interface StockReturnedPayload {
  orderId: string;
}

export interface InventoryEventPayloads {
  StockReserved: StockReservedPayload;
  StockRejected: StockRejectedPayload;
  HoldExpired: HoldExpiredPayload;
  StockReleased: StockReleasedPayload;
  StockCommitted: StockCommittedPayload;
  StockReturned: StockReturnedPayload;
}
