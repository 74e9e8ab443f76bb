import { randomUUID } from 'node:crypto';
import { currentCorrelationId } from '../logger.ts';

/** Tracing data that travels with an event; handlers copy it into the events they cause. */
export interface EventMetadata {
  correlationId?: string;
  /** Id of the event (or command) that caused this one. */
  causationId?: string;
  [key: string]: unknown;
}

/** The one shape every event has on every topic (DESIGN.md §3). */
export interface EventEnvelope<T = unknown> {
  /** uuid, unique per event: consumers deduplicate on it (inbox). */
  id: string;
  /** e.g. `OrderPlaced`. */
  type: string;
  /** e.g. `Order`. */
  aggregateType: string;
  /** Kafka key: every event of one aggregate lands on one partition, in order. */
  aggregateId: string;
  /** ISO-8601 timestamp. */
  occurredAt: string;
  payload: T;
  metadata: EventMetadata;
}

export interface NewEvent<T = unknown> {
  type: string;
  aggregateType: string;
  aggregateId: string;
  payload: T;
  metadata?: EventMetadata;
  /** The event this one reacts to: sets causationId and inherits its correlationId. */
  causedBy?: Pick<EventEnvelope, 'id' | 'metadata'>;
  id?: string;
  occurredAt?: Date | string;
}

/**
 * Builds an envelope with a fresh id and timestamp. The correlation id comes from, in order: explicit
 * metadata, the causing event, the current async context (request or handler).
 */
export function createEnvelope<T>(event: NewEvent<T>): EventEnvelope<T> {
  const metadata: EventMetadata = { ...event.metadata };
  if (event.causedBy) {
    metadata.causationId ??= event.causedBy.id;
    metadata.correlationId ??= event.causedBy.metadata.correlationId;
  }
  metadata.correlationId ??= currentCorrelationId();
  if (metadata.correlationId === undefined) delete metadata.correlationId;
  const occurredAt = event.occurredAt ?? new Date();
  return {
    id: event.id ?? randomUUID(),
    type: event.type,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    occurredAt: typeof occurredAt === 'string' ? occurredAt : occurredAt.toISOString(),
    payload: event.payload,
    metadata,
  };
}

/** `orders` → `orders.events`. */
export function topicFor(service: string): string {
  return `${service}.events`;
}

/** `orders.events` → `orders.events.dlq`. */
export function dlqTopicFor(topic: string): string {
  return `${topic}.dlq`;
}

const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export function isEventEnvelope(value: unknown): value is EventEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    isNonEmptyString(v.id) &&
    isNonEmptyString(v.type) &&
    isNonEmptyString(v.aggregateType) &&
    isNonEmptyString(v.aggregateId) &&
    isNonEmptyString(v.occurredAt) &&
    'payload' in v &&
    typeof v.metadata === 'object' &&
    v.metadata !== null &&
    !Array.isArray(v.metadata)
  );
}

/** A message that can never be handled, however often it is retried: it goes straight to the DLQ. */
export class MalformedMessageError extends Error {
  override name = 'MalformedMessageError';
}

export function serializeEnvelope(envelope: EventEnvelope): string {
  return JSON.stringify(envelope);
}

/** Parses a message value; throws MalformedMessageError for non-JSON or non-envelope content. */
export function parseEnvelope(value: string | Buffer | null): EventEnvelope {
  if (value === null) throw new MalformedMessageError('message has no value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    throw new MalformedMessageError('message value is not JSON');
  }
  if (!isEventEnvelope(parsed)) throw new MalformedMessageError('message value is not an event envelope');
  return parsed;
}
