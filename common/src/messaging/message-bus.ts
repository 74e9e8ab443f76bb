import { CORRELATION_HEADER } from '../logger.ts';
import type { EventEnvelope } from './envelope.ts';

/** A message as stored on a topic, before (or without) parsing it as an envelope. */
export interface RawMessage {
  topic: string;
  partition: number;
  /** Decimal string, as Kafka reports it. */
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** A message to write as-is (DLQ writes, replays, tests of malformed input). */
export interface OutgoingMessage {
  key?: string | null;
  value: string | null;
  headers?: Record<string, string>;
}

/** Where a delivery comes from and which attempt it is. */
export interface MessageContext {
  groupId: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  /** 1 on first delivery, incremented on each retry of the same message. */
  attempt: number;
}

export type EventHandler<T = unknown> = (envelope: EventEnvelope<T>, ctx: MessageContext) => Promise<void>;
export type RawHandler = (message: RawMessage, ctx: MessageContext) => Promise<void>;
/**
 * Messages in partition order, handled all-or-nothing (typically one transaction): consecutive ones of a partition, and
 * with `concurrency` above 1 those of the partitions that arrived meanwhile, appended (a key lives in one partition, so
 * each key's events stay in order). When it throws,
 * the bus hands the same messages to the per-message handler one by one (retries and dead letters as usual), so a
 * poison message cannot hold its neighbours back.
 */
export type EventBatchHandler<T = unknown> = (envelopes: EventEnvelope<T>[], ctxs: MessageContext[]) => Promise<void>;
export type RawBatchHandler = (messages: RawMessage[], ctxs: MessageContext[]) => Promise<void>;

/**
 * Failed handlers are retried in place (the partition waits: order matters more than latency), with
 * exponential backoff, at most `maxAttempts` times in all; then the message goes to `<topic>.dlq`.
 */
export interface RetryPolicy {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  initialBackoffMs: 200,
  maxBackoffMs: 5_000,
  multiplier: 2,
};

interface SubscribeBase {
  /** Consumer group: each group sees every message once; members of one group share partitions. */
  groupId: string;
  topics: readonly string[];
  retry?: Partial<RetryPolicy>;
  /** Where a group with no committed offset starts. Default true: a new consumer misses nothing. */
  fromBeginning?: boolean;
  /** Partitions handled in parallel by this member (order holds within a partition). Default 1. */
  concurrency?: number;
  /** Most messages per call of the batch handler (default 100). */
  maxBatch?: number;
  /**
   * The event types the handlers act on. A message whose type header names another is acknowledged unread (not parsed,
   * no handler call): a topic's consumers each take a few of its types, and a drop brings thousands of the others.
   * Messages without the header are delivered. Default: every type.
   */
  types?: readonly string[];
}

export interface SubscribeOptions<T = unknown> extends SubscribeBase {
  handler: EventHandler<T>;
  /** Optional: what is waiting in a partition, several at a time (see EventBatchHandler); `handler` stays the fallback. */
  batchHandler?: EventBatchHandler<T>;
}

export interface RawSubscribeOptions extends SubscribeBase {
  handler: RawHandler;
  batchHandler?: RawBatchHandler;
}

/**
 * What services see of Kafka. Delivery is at-least-once (consumers deduplicate with the inbox),
 * ordered per key (= aggregate id), and a message is acknowledged only after its handler, or its
 * DLQ write, succeeded.
 */
export interface MessageBus {
  /** Appends envelopes to `topic`, keyed by aggregate id; resolves once the broker has them (acks=all). */
  publish(topic: string, envelopes: readonly EventEnvelope[]): Promise<void>;
  /** Appends messages verbatim (DLQ replays and tooling). */
  publishRaw(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  /** Registers a handler for envelopes; malformed messages go straight to the DLQ. Consumes once started. */
  subscribe<T = unknown>(options: SubscribeOptions<T>): Promise<void>;
  /** Registers a handler for messages as stored (e.g. to read a DLQ). Same retry and DLQ policy. */
  subscribeRaw(options: RawSubscribeOptions): Promise<void>;
  /** Connects and starts consuming every subscription (also those registered later). */
  start(): Promise<void>;
  /** Stops consuming after in-flight handlers finish (backoff waits are cut short), then disconnects. */
  stop(): Promise<void>;
}

/** Thrown by a handler for a failure that retrying cannot fix: the message goes to the DLQ at once. */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
}

/** Header names the bus writes. */
export const HEADERS = {
  correlationId: CORRELATION_HEADER,
  eventType: 'x-event-type',
  eventId: 'x-event-id',
  dlqReason: 'x-dlq-reason',
  dlqError: 'x-dlq-error',
  dlqErrorName: 'x-dlq-error-name',
  dlqAttempts: 'x-dlq-attempts',
  dlqGroup: 'x-dlq-group',
  dlqTopic: 'x-dlq-original-topic',
  dlqPartition: 'x-dlq-original-partition',
  dlqOffset: 'x-dlq-original-offset',
  dlqFailedAt: 'x-dlq-failed-at',
} as const;

export type DeadLetterReason = 'malformed' | 'non-retryable' | 'retries-exhausted';
