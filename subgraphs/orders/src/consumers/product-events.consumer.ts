import { PRODUCTS_TOPIC } from '@limitedcart/common/events/product-events';
import type { MessageBus } from '@limitedcart/common/messaging';
import type { CatalogService } from '../services/catalog.service.ts';

/** products.events → orders' catalog projection (prices, limits, archived flag). */
export async function subscribeProductEvents(bus: MessageBus, topicPrefix: string, catalog: CatalogService): Promise<void> {
  await bus.subscribe({
    groupId: `${topicPrefix}orders.products`,
    topics: [`${topicPrefix}${PRODUCTS_TOPIC}`],
    concurrency: 6,
    handler: async (envelope) => {
      await catalog.onProductEvent(envelope);
    },
  });
}
