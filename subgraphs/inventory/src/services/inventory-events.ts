import { INVENTORY_AGGREGATE, type InventoryEventPayloads } from '@limitedcart/common/events/inventory-events';
import { addToOutbox, createEnvelope, topicFor, type EventEnvelope } from '@limitedcart/common/messaging';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

export type InventoryEvent = {
  [K in keyof InventoryEventPayloads]: { type: K; payload: InventoryEventPayloads[K] };
}[keyof InventoryEventPayloads];

/** `inventory.events` under the deployment's topic prefix. */
export const inventoryTopic = (topicPrefix: string): string => `${topicPrefix}${topicFor('inventory')}`;

/** Queues inventory events (keyed by order id) in the caller's transaction. */
export async function emitInventoryEvents(
  tx: SqlEntityManager,
  topic: string,
  events: readonly (InventoryEvent & { causedBy?: Pick<EventEnvelope, 'id' | 'metadata'> })[],
): Promise<void> {
  const envelopes = events.map((e) =>
    createEnvelope({
      type: e.type,
      aggregateType: INVENTORY_AGGREGATE,
      aggregateId: e.payload.orderId,
      payload: e.payload,
      ...(e.causedBy ? { causedBy: e.causedBy } : {}),
    }),
  );
  await addToOutbox(tx, topic, envelopes);
}
