import { ORDER_AGGREGATE, type OrderEventPayloads } from '@limitedcart/common/events/order-events';
import { addToOutbox, createEnvelope, topicFor, type EventEnvelope } from '@limitedcart/common/messaging';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

export type OrderEvent = {
  [K in keyof OrderEventPayloads]: { type: K; payload: OrderEventPayloads[K] };
}[keyof OrderEventPayloads];

/** `orders.events` under the deployment's topic prefix. */
export const ordersTopic = (topicPrefix: string): string => `${topicPrefix}${topicFor('orders')}`;

/** Queues order events (keyed by order id) in the caller's transaction, caused by `causedBy` when given. */
export async function emitOrderEvents(
  tx: SqlEntityManager,
  topic: string,
  events: readonly OrderEvent[],
  causedBy?: Pick<EventEnvelope, 'id' | 'metadata'>,
): Promise<void> {
  const envelopes = events.map((e) =>
    createEnvelope({
      type: e.type,
      aggregateType: ORDER_AGGREGATE,
      aggregateId: e.payload.orderId,
      payload: e.payload,
      ...(causedBy ? { causedBy } : {}),
    }),
  );
  await addToOutbox(tx, topic, envelopes);
}
