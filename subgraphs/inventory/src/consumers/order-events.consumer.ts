import { topicFor, type MessageBus } from '@limitedcart/common/messaging';
import { HoldService } from '../services/hold.service.ts';

/** orders.events → holds. Partitions (= orders) are handled in parallel; one order's events stay in order. */
export async function subscribeOrderEvents(bus: MessageBus, topicPrefix: string, holds: HoldService, concurrency = 6): Promise<void> {
  await bus.subscribe({
    groupId: `${topicPrefix}inventory.orders`,
    topics: [`${topicPrefix}${topicFor('orders')}`],
    concurrency,
    types: HoldService.EVENT_TYPES,
    handler: async (envelope) => {
      await holds.handle(envelope);
    },
    // A drop's OrderPlaced arrive by the hundred: held a batch per transaction.
    batchHandler: (envelopes) => holds.handleBatch(envelopes),
  });
}
