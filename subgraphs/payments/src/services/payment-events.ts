import { PAYMENT_AGGREGATE, type PaymentEventPayloads } from '@limitedcart/common/events/payment-events';
import { queueOrderEvents, topicFor, type EventEnvelope, type EventOf } from '@limitedcart/common/messaging';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

export type PaymentEvent = EventOf<PaymentEventPayloads>;

/** `payments.events` under the deployment's topic prefix. */
export const paymentsTopic = (topicPrefix: string): string => `${topicPrefix}${topicFor('payments')}`;

/** Queues payment events (aggregate = the order, so one order's payment events stay in order) in the caller's transaction. */
export async function emitPaymentEvents(
  tx: SqlEntityManager,
  topic: string,
  events: readonly (PaymentEvent & { causedBy?: Pick<EventEnvelope, 'id' | 'metadata'> })[],
): Promise<void> {
  await queueOrderEvents(tx, topic, PAYMENT_AGGREGATE, events);
}
