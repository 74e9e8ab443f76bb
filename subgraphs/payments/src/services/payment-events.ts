import { PAYMENT_AGGREGATE, type PaymentEventPayloads } from '@limitedcart/common/events/payment-events';
import { addToOutbox, createEnvelope, topicFor, type EventEnvelope } from '@limitedcart/common/messaging';
import type { SqlEntityManager } from '@mikro-orm/postgresql';

export type PaymentEvent = {
  [K in keyof PaymentEventPayloads]: { type: K; payload: PaymentEventPayloads[K] };
}[keyof PaymentEventPayloads];

/** `payments.events` under the deployment's topic prefix. */
export const paymentsTopic = (topicPrefix: string): string => `${topicPrefix}${topicFor('payments')}`;

/** Queues payment events (aggregate = the order, so one order's payment events stay in order) in the caller's transaction. */
export async function emitPaymentEvents(
  tx: SqlEntityManager,
  topic: string,
  events: readonly (PaymentEvent & { causedBy?: Pick<EventEnvelope, 'id' | 'metadata'> })[],
): Promise<void> {
  const envelopes = events.map((e) =>
    createEnvelope({
      type: e.type,
      aggregateType: PAYMENT_AGGREGATE,
      aggregateId: e.payload.orderId,
      payload: e.payload,
      ...(e.causedBy ? { causedBy: e.causedBy } : {}),
    }),
  );
  await addToOutbox(tx, topic, envelopes);
}
