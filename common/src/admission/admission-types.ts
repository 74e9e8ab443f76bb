/** Why the gate refused an order: the product is sold out (or unknown), or the customer reached its limit. */
export type AdmissionRejection = 'OUT_OF_STOCK' | 'LIMIT_EXCEEDED';

export interface AdmissionLine {
  productId: string;
  /** Positive integer. Lines naming the same product are merged before checking. */
  quantity: number;
  /** Units one customer may hold across live orders of this product; null = no limit. */
  maxPerCustomer: number | null;
}

export interface AdmissionRequest {
  orderId: string;
  customerId: string;
  lines: AdmissionLine[];
}

export type AdmissionResult =
  /** `alreadyHeld`: the order id was admitted before (a retry or a concurrent twin); nothing more was taken. */
  | { admitted: true; alreadyHeld: boolean }
  | { admitted: false; reason: AdmissionRejection; productId: string };

/** A product's stock as PostgreSQL (inventory) records it: units available to reserve. */
export interface StockFigure {
  productId: string;
  available: number;
}

/**
 * A live order as orders' PostgreSQL records it (not REJECTED, CANCELLED, EXPIRED or REFUNDED), used to
 * restore order records and customer allowances after Redis lost them. `held` is true once inventory holds
 * its stock (status past PENDING).
 */
export interface LiveOrder {
  orderId: string;
  customerId: string;
  held: boolean;
  lines: { productId: string; quantity: number }[];
}

export interface ReconcileChange {
  productId: string;
  /** Tokens before the run; null when the product had no stock key. */
  before: number | null;
  after: number;
}
