import { topicFor, type MessageBus } from '@limitedcart/common/messaging';
import { OrderProjectionService } from '../services/order-projection.service.ts';

/** orders.events → the payments projection (and refunds). Partitions (= orders) in parallel; one order's events in order. */
export async function subscribeOrderEvents(bus: MessageBus, topicPrefix: string, projection: OrderProjectionService, concurrency = 6): Promise<void> {
  await bus.subscribe({
    groupId: `${topicPrefix}payments.orders`,
    topics: [`${topicPrefix}${topicFor('orders')}`],
    concurrency,
    types: OrderProjectionService.EVENT_TYPES,
    handler: async (envelope) => {
      await projection.handle(envelope);
    },
    batchHandler: async (envelopes) => {
      await projection.handleBatch(envelopes);
    },
  });
}
