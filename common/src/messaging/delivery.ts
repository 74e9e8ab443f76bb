// Retry, backoff and dead-lettering shared by every MessageBus backend, so they behave the same.
import type { Logger } from 'pino';
import { withCorrelationId } from '../logger.ts';
import {
  MalformedMessageError,
  dlqTopicFor,
  parseEnvelope,
  serializeEnvelope,
  type EventEnvelope,
} from './envelope.ts';
import {
  DEFAULT_RETRY_POLICY,
  HEADERS,
  NonRetryableError,
  type DeadLetterReason,
  type EventBatchHandler,
  type EventHandler,
  type MessageContext,
  type OutgoingMessage,
  type RawBatchHandler,
  type RawHandler,
  type RawMessage,
  type RawSubscribeOptions,
  type RetryPolicy,
  type SubscribeOptions,
} from './message-bus.ts';

export type DeliveryOutcome =
  | { kind: 'handled'; attempts: number }
  | { kind: 'dead-letter'; reason: DeadLetterReason; error: Error; attempts: number }
  /** Stopped before the message was settled: it must not be acknowledged. */
  | { kind: 'aborted' };

export interface DeliveryHooks {
  signal: AbortSignal;
  logger: Logger;
  /** Called between attempts so a slow retry loop does not cost the consumer its group membership. */
  heartbeat?: () => Promise<void>;
}

export function retryPolicy(overrides?: Partial<RetryPolicy>): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  if (!(policy.maxAttempts >= 1)) throw new Error('retry.maxAttempts must be >= 1');
  return policy;
}

/** Exponential backoff with jitter in [d/2, d], so retries of many consumers do not synchronise. */
export function backoffMs(policy: RetryPolicy, failedAttempt: number): number {
  const d = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** (failedAttempt - 1));
  return Math.round(d / 2 + (Math.random() * d) / 2);
}

/** Resolves after `ms`, or false at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Wraps an envelope handler: parse (malformed → DLQ), then run in the event's correlation context. */
export function envelopeHandler<T>(handler: EventHandler<T>): RawHandler {
  return async (message, ctx) => {
    const envelope = parseEnvelope(message.value) as EventEnvelope<T>;
    const correlationId = envelope.metadata.correlationId ?? message.headers[HEADERS.correlationId];
    const run = (): Promise<void> => handler(envelope, ctx);
    await (correlationId ? withCorrelationId(correlationId, run) : run());
  };
}

/** Wraps a batch handler of envelopes: every message parsed first (one malformed → the per-message path takes them). */
export function envelopeBatchHandler<T>(handler: EventBatchHandler<T>): RawBatchHandler {
  return async (messages, ctxs) => {
    const envelopes = messages.map((m) => parseEnvelope(m.value) as EventEnvelope<T>);
    await handler(envelopes, ctxs);
  };
}

export const DEFAULT_MAX_BATCH = 100;

/**
 * SubscribeOptions as the raw options every backend stores: envelope handlers wrapped to parse first, and the batch
 * handler's concurrent calls merged (mergeConcurrentCalls).
 */
export function rawSubscribeOptions<T>(options: SubscribeOptions<T>): RawSubscribeOptions {
  const { handler, batchHandler, ...rest } = options;
  return { ...rest, handler: envelopeHandler(handler), ...(batchHandler ? { batchHandler: mergeConcurrentCalls(envelopeBatchHandler(batchHandler)) } : {}) };
}

/**
 * A batch handler whose concurrent calls are merged, as a database merges commits: the partitions a member consumes in
 * parallel each bring a few messages, and while one call runs, those that arrive wait and then go together in the
 * next. A row every call locks (a drop's stock) is then locked once per round instead of once per partition, and the
 * round costs one transaction. Each partition's messages keep their order (partitions never share a key). A merged
 * call that fails fails each of its callers, which then deliver their own messages one by one.
 */
export function mergeConcurrentCalls(handler: RawBatchHandler): RawBatchHandler {
  interface Call {
    messages: RawMessage[];
    ctxs: MessageContext[];
    settle: (failure: { error: unknown } | undefined) => void;
  }
  let waiting: Call[] = [];
  let busy = false;
  const drain = async (): Promise<void> => {
    while (waiting.length > 0) {
      const calls = waiting;
      waiting = [];
      let failure: { error: unknown } | undefined;
      try {
        await handler(calls.flatMap((c) => c.messages), calls.flatMap((c) => c.ctxs));
      } catch (error) {
        failure = { error };
      }
      for (const call of calls) call.settle(failure);
    }
    busy = false;
  };
  return (messages, ctxs) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ messages, ctxs, settle: (failure) => (failure ? reject(failure.error) : resolve()) });
      if (busy) return;
      busy = true;
      // After this turn of the event loop: partitions of one fetch arrive together and go in the first call.
      setImmediate(() => void drain());
    });
}

/** What a backend's subscription needs to deliver messages. */
export interface Delivery {
  groupId: string;
  handler: RawHandler;
  batchHandler: RawBatchHandler | undefined;
  policy: RetryPolicy;
  /** SubscribeOptions.types; undefined: every type. */
  types: ReadonlySet<string> | undefined;
}

/** SubscribeOptions.types as a backend's subscription keeps it. */
export function typeFilter(types: readonly string[] | undefined): ReadonlySet<string> | undefined {
  return types ? new Set(types) : undefined;
}

function wanted(message: RawMessage, types: ReadonlySet<string> | undefined): boolean {
  const type = message.headers[HEADERS.eventType];
  return !types || type === undefined || types.has(type);
}

/**
 * Delivers `chunk` (consecutive messages of one partition, in order), those of the subscription's types: in one call
 * of the batch handler when there is one (even for one message: it may be merged with other partitions'), else, or
 * when that call fails, one by one with retries and dead letters. `settle` acknowledges everything up to the message
 * it is given. False when it stopped before the end (the consumer is stopping, or a dead letter could not be
 * written): the rest stays unacknowledged.
 */
export async function deliverChunk(
  chunk: readonly RawMessage[],
  sub: Delivery,
  hooks: DeliveryHooks,
  io: {
    publishRaw: (topic: string, messages: readonly OutgoingMessage[]) => Promise<void>;
    settle: (message: RawMessage) => Promise<void> | void;
    running: () => boolean;
  },
): Promise<boolean> {
  // Types the subscription does not take are acknowledged with the rest, unread.
  const messages = sub.types ? chunk.filter((m) => wanted(m, sub.types)) : chunk;
  const last = chunk.at(-1)!;
  if (messages.length === 0 || (sub.batchHandler && (await deliverBatch(messages, sub.groupId, sub.batchHandler, hooks)))) {
    await io.settle(last);
    return true;
  }
  for (const message of messages) {
    if (!io.running()) return false;
    const outcome = await deliver(message, sub.groupId, sub.handler, sub.policy, hooks);
    if (outcome.kind === 'aborted') return false;
    if (outcome.kind === 'dead-letter' && !(await writeDeadLetter(io.publishRaw, message, sub.groupId, outcome, sub.policy, hooks))) return false;
    await io.settle(message);
  }
  if (messages.at(-1) !== last) await io.settle(last);
  return true;
}

/**
 * One call of the batch handler for `messages` (consecutive, one partition; mergeConcurrentCalls may add other
 * partitions'). True when it succeeded: all of them are handled. False when it failed (logged): the caller delivers
 * them one by one instead.
 */
export async function deliverBatch(messages: readonly RawMessage[], groupId: string, handler: RawBatchHandler, hooks: DeliveryHooks): Promise<boolean> {
  if (hooks.signal.aborted) return false;
  const ctxs: MessageContext[] = messages.map((m) => ({ groupId, topic: m.topic, partition: m.partition, offset: m.offset, key: m.key, headers: m.headers, attempt: 1 }));
  try {
    await handler([...messages], ctxs);
    return true;
  } catch (caught) {
    const first = messages[0]!;
    hooks.logger.warn(
      { groupId, topic: first.topic, partition: first.partition, fromOffset: first.offset, count: messages.length, err: asError(caught) },
      'batch handler failed; handling those events one by one',
    );
    return false;
  }
}

/** Runs `handler` on one message under `policy`. Throws only what `hooks.heartbeat` throws (a rebalance). */
export async function deliver(
  message: RawMessage,
  groupId: string,
  handler: RawHandler,
  policy: RetryPolicy,
  hooks: DeliveryHooks,
): Promise<DeliveryOutcome> {
  const where = { groupId, topic: message.topic, partition: message.partition, offset: message.offset };
  for (let attempt = 1; ; attempt++) {
    if (hooks.signal.aborted) return { kind: 'aborted' };
    const ctx: MessageContext = { ...where, key: message.key, headers: message.headers, attempt };
    try {
      await handler(message, ctx);
      return { kind: 'handled', attempts: attempt };
    } catch (caught) {
      const error = asError(caught);
      if (error instanceof MalformedMessageError) return { kind: 'dead-letter', reason: 'malformed', error, attempts: attempt };
      if (error instanceof NonRetryableError) return { kind: 'dead-letter', reason: 'non-retryable', error, attempts: attempt };
      if (attempt >= policy.maxAttempts) {
        return { kind: 'dead-letter', reason: 'retries-exhausted', error, attempts: attempt };
      }
      const wait = backoffMs(policy, attempt);
      hooks.logger.warn({ ...where, attempt, retryInMs: wait, err: error }, 'event handler failed, retrying');
      if (!(await sleep(wait, hooks.signal))) return { kind: 'aborted' };
      await hooks.heartbeat?.();
    }
  }
}

const MAX_ERROR_CHARS = 1_000;

/** The DLQ record: the original key, value and headers, plus why and where it failed. */
export function deadLetterMessage(
  message: RawMessage,
  groupId: string,
  outcome: Extract<DeliveryOutcome, { kind: 'dead-letter' }>,
): { topic: string; message: OutgoingMessage } {
  return {
    topic: dlqTopicFor(message.topic),
    message: {
      key: message.key,
      value: message.value,
      headers: {
        ...message.headers,
        [HEADERS.dlqReason]: outcome.reason,
        [HEADERS.dlqError]: outcome.error.message.slice(0, MAX_ERROR_CHARS),
        [HEADERS.dlqErrorName]: outcome.error.name,
        [HEADERS.dlqAttempts]: String(outcome.attempts),
        [HEADERS.dlqGroup]: groupId,
        [HEADERS.dlqTopic]: message.topic,
        [HEADERS.dlqPartition]: String(message.partition),
        [HEADERS.dlqOffset]: message.offset,
        [HEADERS.dlqFailedAt]: new Date().toISOString(),
      },
    },
  };
}

/** How an envelope is written: key = aggregate id; headers for routing/tracing without parsing. */
export function envelopeToMessage(envelope: EventEnvelope): OutgoingMessage {
  const headers: Record<string, string> = { [HEADERS.eventType]: envelope.type, [HEADERS.eventId]: envelope.id };
  if (envelope.metadata.correlationId) headers[HEADERS.correlationId] = envelope.metadata.correlationId;
  return { key: envelope.aggregateId, value: serializeEnvelope(envelope), headers };
}

/**
 * Writes a dead letter, retrying with backoff until it succeeds or `signal` aborts (returns false):
 * the source message is acknowledged only after its DLQ copy is safe.
 */
export async function writeDeadLetter(
  publishRaw: (topic: string, messages: readonly OutgoingMessage[]) => Promise<void>,
  message: RawMessage,
  groupId: string,
  outcome: Extract<DeliveryOutcome, { kind: 'dead-letter' }>,
  policy: RetryPolicy,
  hooks: DeliveryHooks,
): Promise<boolean> {
  const letter = deadLetterMessage(message, groupId, outcome);
  hooks.logger.error(
    {
      groupId,
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      reason: outcome.reason,
      attempts: outcome.attempts,
      err: outcome.error,
    },
    'event sent to dead-letter topic',
  );
  for (let attempt = 1; ; attempt++) {
    try {
      await publishRaw(letter.topic, [letter.message]);
      return true;
    } catch (caught) {
      const wait = backoffMs(policy, Math.min(attempt, 10));
      hooks.logger.error({ dlq: letter.topic, attempt, retryInMs: wait, err: asError(caught) }, 'dead-letter write failed');
      if (!(await sleep(wait, hooks.signal))) return false;
      await hooks.heartbeat?.();
    }
  }
}
