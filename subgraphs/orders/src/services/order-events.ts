import { ORDER_AGGREGATE, type OrderEventPayloads } from '@limitedcart/common/events/order-events';
import { queueOrderEvents, topicFor, type EventEnvelope, type EventOf } from '@limitedcart/common/messaging';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

export type OrderEvent = EventOf<OrderEventPayloads>;

/** `orders.events` under the deployment's topic prefix. */
export const ordersTopic = (topicPrefix: string): string => `${topicPrefix}${topicFor('orders')}`;

/** Queues order events (keyed by order id) in the caller's transaction, caused by `causedBy` when given. */
export async function emitOrderEvents(
  tx: SqlEntityManager,
  topic: string,
  events: readonly OrderEvent[],
  causedBy?: Pick<EventEnvelope, 'id' | 'metadata'>,
): Promise<void> {
  await queueOrderEvents(tx, topic, ORDER_AGGREGATE, events, causedBy);
}
