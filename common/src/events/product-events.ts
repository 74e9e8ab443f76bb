// Events of products.events: written by products (through its outbox), read by inventory and orders.
// Consumers must tolerate redelivery (inbox) and may use `version` to ignore a snapshot older than one they applied.
import { topicFor } from '../messaging/envelope.ts';

/** `products.events` (before TOPIC_PREFIX: publishers and consumers both write `${config.topicPrefix}${PRODUCTS_TOPIC}`). */
export const PRODUCTS_TOPIC = topicFor('products');

/** aggregateType of every products.events envelope; aggregateId is the product id (the Kafka key). */
export const PRODUCT_AGGREGATE = 'Product';

export const PRODUCT_EVENT = {
  created: 'ProductCreated',
  updated: 'ProductUpdated',
  archived: 'ProductArchived',
} as const;

export type ProductEventType = (typeof PRODUCT_EVENT)[keyof typeof PRODUCT_EVENT];

/** The product as it is after the change: everything inventory and orders need to sell it. */
export interface ProductSnapshot {
  id: string;
  name: string;
  /** Unit price in minor units (cents) of `currency`. */
  priceMinor: number;
  /** ISO 4217, the store currency. */
  currency: string;
  /** Most units one customer may buy; null = no limit. */
  maxPerCustomer: number | null;
  /** false once archived: it can no longer be added to carts or ordered. */
  active: boolean;
  categoryId: string | null;
  /** Starts at 1, +1 per change: a consumer that saw version n ignores any snapshot with version <= n. */
  version: number;
}

/** ProductCreated: the new product, with the stock inventory starts it with. */
export interface ProductCreatedPayload extends ProductSnapshot {
  /** Units available from the start (>= 0). */
  initialStock: number;
}

/** ProductUpdated: any change other than archiving (including re-activation). */
export type ProductUpdatedPayload = ProductSnapshot;

/** ProductArchived: active went from true to false (the snapshot has active: false). */
export type ProductArchivedPayload = ProductSnapshot;

export type ProductEventPayload = ProductCreatedPayload | ProductUpdatedPayload | ProductArchivedPayload;

/** Shape check for consumers (a message that fails it is malformed: send it to the DLQ, do not retry). */
export function isProductSnapshot(value: unknown): value is ProductSnapshot {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === 'string' &&
    typeof v.name === 'string' &&
    Number.isSafeInteger(v.priceMinor) &&
    typeof v.currency === 'string' &&
    (v.maxPerCustomer === null || Number.isSafeInteger(v.maxPerCustomer)) &&
    typeof v.active === 'boolean' &&
    (v.categoryId === null || typeof v.categoryId === 'string') &&
    Number.isSafeInteger(v.version)
  );
}
