import { ORDER_EVENTS, type OrderStatusChangedPayload } from '@limitedcart/common/events/order-events';
import { encodeOrderStatusMessage, orderStatusChannel } from '@limitedcart/common/events/order-status-channel';
import type { MessageBus } from '@limitedcart/common/messaging';
import type { Redis } from 'ioredis';
import { ordersTopic } from '../services/order-events.ts';

/**
 * Orders' own OrderStatusChanged events → Redis pub/sub, where every gateway process listens (DESIGN §4). Going
 * through Kafka, not straight after commit, means a crash between commit and publish loses no update; a repeated
 * publish is harmless (receivers drop versions they already delivered).
 */
export async function subscribeLiveUpdates(bus: MessageBus, topicPrefix: string, redisPrefix: string, redis: Redis): Promise<void> {
  const channel = orderStatusChannel(redisPrefix);
  await bus.subscribe({
    groupId: `${topicPrefix}orders.live`,
    topics: [ordersTopic(topicPrefix)],
    concurrency: 6,
    // orders.events carries every order event; only status changes go to pub/sub.
    types: [ORDER_EVENTS.statusChanged],
    handler: async (envelope) => {
      if (envelope.type !== ORDER_EVENTS.statusChanged) return;
      const p = envelope.payload as OrderStatusChangedPayload;
      await redis.publish(channel, encodeOrderStatusMessage({ orderId: p.orderId, customerId: p.customerId, status: p.status, version: p.version, at: p.at }));
    },
  });
}
