import { topicFor, type MessageBus } from '@limitedcart/common/messaging';
import { OrderSagaService } from '../services/order-saga.service.ts';

/** inventory.events and payments.events → the saga. Both are keyed by order id: one order's events stay in order per topic. */
export async function subscribeSagaEvents(bus: MessageBus, topicPrefix: string, saga: OrderSagaService, concurrency = 6): Promise<void> {
  await bus.subscribe({
    groupId: `${topicPrefix}orders.saga`,
    topics: [`${topicPrefix}${topicFor('inventory')}`, `${topicPrefix}${topicFor('payments')}`],
    concurrency,
    types: OrderSagaService.EVENT_TYPES,
    handler: async (envelope) => {
      await saga.handle(envelope);
    },
    batchHandler: async (envelopes) => {
      await saga.handleBatch(envelopes);
    },
  });
}
