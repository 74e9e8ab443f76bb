// The saga's events (orders', inventory's, payments') are all about one order: keyed by its id, so one order's events
// stay in order on every topic. One way to queue them, with each service's payload map for types.
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { createEnvelope, type EventEnvelope } from './envelope.ts';
import { addToOutbox } from './outbox.ts';

/** One `{ type, payload }` per entry of a payload map (e.g. OrderEventPayloads). */
export type EventOf<Payloads> = { [K in keyof Payloads]: { type: K; payload: Payloads[K] } }[keyof Payloads];

type Cause = Pick<EventEnvelope, 'id' | 'metadata'>;

/**
 * Queues events about orders (aggregate id = payload.orderId) in the caller's transaction. `causedBy` (per event, or
 * for all) carries the causation and correlation ids of the event that led to them.
 */
export async function queueOrderEvents(
  tx: SqlEntityManager,
  topic: string,
  aggregateType: string,
  events: readonly OrderKeyedEvent[],
  causedBy?: Cause,
): Promise<void> {
  await addToOutbox(tx, topic, orderEnvelopes(aggregateType, events, causedBy));
}

type OrderKeyedEvent = { type: string; payload: { orderId: string }; causedBy?: Cause };

/** The envelopes of events about orders (aggregate id = payload.orderId), for queueOrderEvents or a single-statement write. */
export function orderEnvelopes(aggregateType: string, events: readonly OrderKeyedEvent[], causedBy?: Cause): EventEnvelope[] {
  return events.map((e) => {
    const cause = e.causedBy ?? causedBy;
    return createEnvelope({
      type: e.type,
      aggregateType,
      aggregateId: e.payload.orderId,
      payload: e.payload,
      ...(cause ? { causedBy: cause } : {}),
    });
  });
}
