import { createEnvelope, type EventEnvelope } from '@limitedcart/common/messaging';
import {
  PRODUCT_AGGREGATE,
  PRODUCT_EVENT,
  type ProductCreatedPayload,
  type ProductEventType,
  type ProductSnapshot,
} from '@limitedcart/common/events/product-events';
import { toSnapshot, type ProductRecord } from '../services/product-record.ts';

export function productCreatedEvent(product: ProductRecord, initialStock: number): EventEnvelope<ProductCreatedPayload> {
  return createEnvelope({
    type: PRODUCT_EVENT.created,
    aggregateType: PRODUCT_AGGREGATE,
    aggregateId: product.id,
    payload: { ...toSnapshot(product), initialStock },
  });
}

/** ProductArchived when this change took it from active to inactive; ProductUpdated for every other change. */
export function productChangedEvent(product: ProductRecord, wasActive: boolean): EventEnvelope<ProductSnapshot> {
  const type: ProductEventType = wasActive && !product.active ? PRODUCT_EVENT.archived : PRODUCT_EVENT.updated;
  return createEnvelope({ type, aggregateType: PRODUCT_AGGREGATE, aggregateId: product.id, payload: toSnapshot(product) });
}
