import { PRODUCTS_TOPIC } from '@limitedcart/common/events/product-events';
import type { MessageBus } from '@limitedcart/common/messaging';
import type { StockService } from '../services/stock.service.ts';

/** products.events → stock rows (creation with initialStock, limit and active flag on updates). */
export async function subscribeProductEvents(bus: MessageBus, topicPrefix: string, stock: StockService): Promise<void> {
  await bus.subscribe({
    groupId: `${topicPrefix}inventory.products`,
    topics: [`${topicPrefix}${PRODUCTS_TOPIC}`],
    concurrency: 6,
    handler: async (envelope) => {
      await stock.onProductEvent(envelope);
    },
  });
}
