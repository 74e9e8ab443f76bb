import { INVENTORY_AGGREGATE, type InventoryEventPayloads } from '@limitedcart/common/events/inventory-events';
import { queueOrderEvents, topicFor, type EventEnvelope, type EventOf } from '@limitedcart/common/messaging';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

export type InventoryEvent = EventOf<InventoryEventPayloads>;

/** `inventory.events` under the deployment's topic prefix. */
export const inventoryTopic = (topicPrefix: string): string => `${topicPrefix}${topicFor('inventory')}`;

/** Queues inventory events (keyed by order id) in the caller's transaction. */
export async function emitInventoryEvents(
  tx: SqlEntityManager,
  topic: string,
  events: readonly (InventoryEvent & { causedBy?: Pick<EventEnvelope, 'id' | 'metadata'> })[],
): Promise<void> {
  await queueOrderEvents(tx, topic, INVENTORY_AGGREGATE, events);
}
