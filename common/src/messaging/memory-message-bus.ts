// In-process MessageBus: same contract as Kafka (partitions by key, consumer groups with committed
// offsets, retry + DLQ) for unit tests and the embedded mode where all services share one process.
import { pino, type Logger } from 'pino';
import type { EventEnvelope } from './envelope.ts';
import { DEFAULT_MAX_BATCH, deliverChunk, envelopeToMessage, rawSubscribeOptions, retryPolicy, typeFilter } from './delivery.ts';
import type {
  MessageBus,
  OutgoingMessage,
  RawBatchHandler,
  RawHandler,
  RawMessage,
  RawSubscribeOptions,
  RetryPolicy,
  SubscribeOptions,
} from './message-bus.ts';

interface StoredMessage {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The shared "cluster": topic logs and committed offsets. Several MemoryMessageBus clients may share one. */
export class MemoryBroker {
  readonly partitions: number;
  readonly #topics = new Map<string, StoredMessage[][]>();
  readonly #committed = new Map<string, number>();
  readonly #activeGroups = new Set<string>();
  readonly #listeners = new Set<(topic: string, partition: number) => void>();
  #roundRobin = 0;

  constructor(options: { partitions?: number } = {}) {
    this.partitions = options.partitions ?? 4;
  }

  log(topic: string): StoredMessage[][] {
    let log = this.#topics.get(topic);
    if (!log) {
      log = Array.from({ length: this.partitions }, () => []);
      this.#topics.set(topic, log);
    }
    return log;
  }

  append(topic: string, messages: readonly OutgoingMessage[]): void {
    const log = this.log(topic);
    const touched = new Set<number>();
    for (const m of messages) {
      const key = m.key ?? null;
      const partition = key === null ? this.#roundRobin++ % this.partitions : hashKey(key) % this.partitions;
      log[partition]!.push({ key, value: m.value, headers: { ...m.headers } });
      touched.add(partition);
    }
    for (const p of touched) for (const listener of this.#listeners) listener(topic, p);
  }

  /** All messages of a topic as stored (for tests and tooling). */
  read(topic: string): RawMessage[] {
    return this.log(topic).flatMap((messages, partition) =>
      messages.map((m, offset) => ({ topic, partition, offset: String(offset), ...m, headers: { ...m.headers } })),
    );
  }

  committed(groupId: string, topic: string, partition: number): number | undefined {
    return this.#committed.get(`${groupId}\0${topic}\0${partition}`);
  }

  commit(groupId: string, topic: string, partition: number, nextOffset: number): void {
    this.#committed.set(`${groupId}\0${topic}\0${partition}`, nextOffset);
  }

  /** One live member per group (no partition rebalancing in memory). */
  join(groupId: string): void {
    if (this.#activeGroups.has(groupId)) throw new Error(`memory bus: consumer group "${groupId}" already has a member`);
    this.#activeGroups.add(groupId);
  }

  leave(groupId: string): void {
    this.#activeGroups.delete(groupId);
  }

  onAppend(listener: (topic: string, partition: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export interface MemoryMessageBusOptions {
  /** Share one broker between buses (services in one process); default: a private broker. */
  broker?: MemoryBroker;
  logger?: Logger;
  retry?: Partial<RetryPolicy>;
}

interface Subscription {
  groupId: string;
  topics: readonly string[];
  handler: RawHandler;
  batchHandler: RawBatchHandler | undefined;
  maxBatch: number;
  policy: RetryPolicy;
  fromBeginning: boolean;
  types: ReadonlySet<string> | undefined;
}

export class MemoryMessageBus implements MessageBus {
  readonly broker: MemoryBroker;
  readonly #logger: Logger;
  readonly #retry: Partial<RetryPolicy> | undefined;
  readonly #subscriptions: Subscription[] = [];
  readonly #workers = new Map<string, Promise<void>>();
  readonly #wakers = new Map<string, () => void>();
  #abort = new AbortController();
  #unlisten: (() => void) | undefined;
  #running = false;

  constructor(options: MemoryMessageBusOptions = {}) {
    this.broker = options.broker ?? new MemoryBroker();
    this.#logger = options.logger ?? pino({ level: 'silent' });
    this.#retry = options.retry;
  }

  async publish(topic: string, envelopes: readonly EventEnvelope[]): Promise<void> {
    await this.publishRaw(topic, envelopes.map(envelopeToMessage));
  }

  async publishRaw(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    this.broker.append(topic, messages);
  }

  subscribe<T = unknown>(options: SubscribeOptions<T>): Promise<void> {
    return this.subscribeRaw(rawSubscribeOptions(options));
  }

  async subscribeRaw(options: RawSubscribeOptions): Promise<void> {
    if (this.#subscriptions.some((s) => s.groupId === options.groupId)) {
      throw new Error(`memory bus: group "${options.groupId}" is already subscribed on this bus`);
    }
    const sub: Subscription = {
      groupId: options.groupId,
      topics: [...options.topics],
      handler: options.handler,
      batchHandler: options.batchHandler,
      maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH,
      types: typeFilter(options.types),
      policy: retryPolicy({ ...this.#retry, ...options.retry }),
      fromBeginning: options.fromBeginning ?? true,
    };
    // Starting position is fixed at subscribe time, like a Kafka group's first join.
    for (const topic of sub.topics) {
      this.broker.log(topic).forEach((messages, p) => {
        if (this.broker.committed(sub.groupId, topic, p) === undefined) {
          this.broker.commit(sub.groupId, topic, p, sub.fromBeginning ? 0 : messages.length);
        }
      });
    }
    this.#subscriptions.push(sub);
    if (this.#running) this.#activate(sub);
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    this.#unlisten = this.broker.onAppend((topic, partition) => this.#onAppend(topic, partition));
    for (const sub of this.#subscriptions) this.#activate(sub);
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#unlisten?.();
    this.#abort.abort();
    for (const wake of this.#wakers.values()) wake();
    await Promise.all(this.#workers.values());
    this.#workers.clear();
    for (const sub of this.#subscriptions) this.broker.leave(sub.groupId);
  }

  #activate(sub: Subscription): void {
    this.broker.join(sub.groupId);
    for (const topic of sub.topics) {
      for (let p = 0; p < this.broker.partitions; p++) this.#ensureWorker(sub, topic, p);
    }
  }

  #onAppend(topic: string, partition: number): void {
    for (const sub of this.#subscriptions) {
      if (sub.topics.includes(topic)) {
        if (this.broker.committed(sub.groupId, topic, partition) === undefined) {
          this.broker.commit(sub.groupId, topic, partition, 0);
        }
        this.#ensureWorker(sub, topic, partition);
      }
    }
  }

  #ensureWorker(sub: Subscription, topic: string, partition: number): void {
    const id = `${sub.groupId}\0${topic}\0${partition}`;
    if (this.#workers.has(id)) {
      this.#wakers.get(id)?.(); // idle → look again; busy → it will find the new message itself
      return;
    }
    const worker = this.#runPartition(sub, topic, partition, id).finally(() => this.#workers.delete(id));
    this.#workers.set(id, worker);
  }

  /** One sequential loop per (group, topic, partition): that is what keeps per-key order. */
  async #runPartition(sub: Subscription, topic: string, partition: number, id: string): Promise<void> {
    const signal = this.#abort.signal;
    const hooks = { signal, logger: this.#logger };
    try {
      while (!signal.aborted) {
        const messages = this.broker.log(topic)[partition]!;
        const offset = this.broker.committed(sub.groupId, topic, partition) ?? 0;
        const stored = messages[offset];
        if (!stored) {
          await new Promise<void>((resolve) => this.#wakers.set(id, resolve));
          this.#wakers.delete(id);
          continue;
        }
        // With a batch handler, what is waiting goes in one chunk; a chunk that fails goes one by one.
        const size = sub.batchHandler ? Math.min(sub.maxBatch, messages.length - offset) : 1;
        const chunk = Array.from({ length: size }, (_, k): RawMessage => {
          const m = messages[offset + k]!;
          return { topic, partition, offset: String(offset + k), ...m, headers: { ...m.headers } };
        });
        const done = await deliverChunk(chunk, sub, hooks, {
          publishRaw: (t, m) => this.publishRaw(t, m),
          settle: (message) => this.broker.commit(sub.groupId, topic, partition, Number(message.offset) + 1),
          running: () => !signal.aborted,
        });
        if (!done) return;
      }
    } finally {
      this.#wakers.delete(id);
    }
  }
}
