// The messaging kit: services publish through the outbox and consume through a MessageBus + inbox.
export {
  MalformedMessageError,
  createEnvelope,
  dlqTopicFor,
  isEventEnvelope,
  parseEnvelope,
  serializeEnvelope,
  topicFor,
} from './envelope.ts';
export type { EventEnvelope, EventMetadata, NewEvent } from './envelope.ts';
export { DEFAULT_RETRY_POLICY, HEADERS, NonRetryableError } from './message-bus.ts';
export type {
  DeadLetterReason,
  EventBatchHandler,
  EventHandler,
  MessageBus,
  MessageContext,
  OutgoingMessage,
  RawBatchHandler,
  RawHandler,
  RawMessage,
  RawSubscribeOptions,
  RetryPolicy,
  SubscribeOptions,
} from './message-bus.ts';
export { MemoryBroker, MemoryMessageBus } from './memory-message-bus.ts';
export type { MemoryMessageBusOptions } from './memory-message-bus.ts';
export { KafkaMessageBus } from './kafka-message-bus.ts';
export type { KafkaMessageBusOptions } from './kafka-message-bus.ts';
export { OUTBOX_TABLE, CreateOutboxTable, addToOutbox, noteOutboxRows, outboxInsertFromJson, outboxMigrations } from './outbox.ts';
export { OutboxRelay } from './outbox-relay.ts';
export type { OutboxRelayOptions } from './outbox-relay.ts';
export { INBOX_TABLE, CreateInboxTable, claimEvents, handleEachOnce, handleOnce, inboxMigrations, pruneInbox } from './inbox.ts';
export type { HandleOnceResult } from './inbox.ts';
export { orderEnvelopes, queueOrderEvents } from './order-keyed-events.ts';
export type { EventOf } from './order-keyed-events.ts';
