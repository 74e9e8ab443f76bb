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
  /** `earlier`: the order id was admitted before (a retry, a concurrent twin, or an order since ended); nothing was taken now. */
  | { admitted: true; earlier: boolean }
  | { admitted: false; reason: AdmissionRejection; productId: string }
  /** Redis lost the gate's data and the records are not restored yet: look for the order in PostgreSQL, then ask again. */
  | { admitted: false; reason: 'GATE_UNREADY' };

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
