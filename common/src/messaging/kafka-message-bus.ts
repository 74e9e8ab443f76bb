// MessageBus on kafkajs. Services never import kafkajs: swapping the client means replacing this file.
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type IHeaders, type KafkaMessage, type Producer } from 'kafkajs';
import { pino, type Logger } from 'pino';
import { dlqTopicFor, type EventEnvelope } from './envelope.ts';
import { fixKafkajsIdleTimer } from './kafkajs-idle-timer.ts';
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

fixKafkajsIdleTimer();

export interface KafkaMessageBusOptions {
  brokers: readonly string[];
  clientId: string;
  logger?: Logger;
  retry?: Partial<RetryPolicy>;
  /** Partitions of topics this bus creates (it creates each topic it touches, and its DLQ). Default 6. */
  partitions?: number;
  /** Default -1: the broker's default. */
  replicationFactor?: number;
  /** Default 30 s: a consumer that stops heartbeating this long loses its partitions. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Longest a fetch waits on the broker for data; also bounds how long stop() waits (default 1000 ms). */
  maxWaitTimeMs?: number;
}

interface Subscription {
  groupId: string;
  topics: string[];
  handler: RawHandler;
  batchHandler: RawBatchHandler | undefined;
  maxBatch: number;
  policy: RetryPolicy;
  fromBeginning: boolean;
  concurrency: number;
  types: ReadonlySet<string> | undefined;
}

function headerText(value: IHeaders[string]): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

function toRawMessage(topic: string, partition: number, m: KafkaMessage): RawMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    const text = headerText(value);
    if (text !== undefined) headers[name] = text;
  }
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ? m.key.toString('utf8') : null,
    value: m.value ? m.value.toString('utf8') : null,
    headers,
  };
}

// kafkajs logs rebalances and retried requests at ERROR; real failures surface through this bus's own
// logs (crashes, dead letters, failed publishes), so its levels are shifted down one step.
function kafkaLogCreator(logger: Logger) {
  return () =>
    ({ namespace, level, log }: { namespace: string; level: number; log: { message: string } & Record<string, unknown> }) => {
      const { message, timestamp: _t, logger: _l, ...extra } = log;
      const fields = { component: 'kafkajs', namespace, ...extra };
      if (level <= logLevel.ERROR) logger.warn(fields, message);
      else if (level === logLevel.WARN) logger.info(fields, message);
      else logger.debug(fields, message);
    };
}

export class KafkaMessageBus implements MessageBus {
  readonly #kafka: Kafka;
  readonly #options: KafkaMessageBusOptions;
  readonly #logger: Logger;
  readonly #subscriptions: Subscription[] = [];
  readonly #consumers = new Map<Subscription, Consumer>();
  readonly #knownTopics = new Set<string>();
  #producer: Promise<Producer> | undefined;
  #admin: Promise<Admin> | undefined;
  #abort = new AbortController();
  #running = false;

  constructor(options: KafkaMessageBusOptions) {
    this.#options = options;
    this.#logger = options.logger ?? pino({ level: 'silent' });
    this.#kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.INFO,
      logCreator: kafkaLogCreator(this.#logger),
    });
  }

  async publish(topic: string, envelopes: readonly EventEnvelope[]): Promise<void> {
    await this.publishRaw(topic, envelopes.map(envelopeToMessage));
  }

  async publishRaw(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.ensureTopics([topic]);
    const producer = await this.#getProducer();
    await producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({ key: m.key ?? null, value: m.value, headers: m.headers ?? {} })),
    });
  }

  subscribe<T = unknown>(options: SubscribeOptions<T>): Promise<void> {
    return this.subscribeRaw(rawSubscribeOptions(options));
  }

  async subscribeRaw(options: RawSubscribeOptions): Promise<void> {
    const sub: Subscription = {
      groupId: options.groupId,
      topics: [...options.topics],
      handler: options.handler,
      batchHandler: options.batchHandler,
      maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH,
      types: typeFilter(options.types),
      policy: retryPolicy({ ...this.#options.retry, ...options.retry }),
      fromBeginning: options.fromBeginning ?? true,
      concurrency: options.concurrency ?? 1,
    };
    this.#subscriptions.push(sub);
    if (this.#running) await this.#startConsumer(sub);
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    await this.#getProducer();
    await Promise.all(this.#subscriptions.map((sub) => this.#startConsumer(sub)));
  }

  async stop(): Promise<void> {
    this.#running = false;
    // Cut retry backoffs short first: disconnect() waits for the batch in progress to return.
    this.#abort.abort();
    const consumers = [...this.#consumers.values()];
    this.#consumers.clear();
    await Promise.all(consumers.map((c) => c.disconnect().catch((err: unknown) => this.#logger.warn({ err }, 'consumer disconnect failed'))));
    const producer = this.#producer;
    const admin = this.#admin;
    this.#producer = undefined;
    this.#admin = undefined;
    await Promise.all([
      producer?.then((p) => p.disconnect()).catch(() => undefined),
      admin?.then((a) => a.disconnect()).catch(() => undefined),
    ]);
  }

  /** Creates missing topics (and their DLQs are created by whoever consumes them). Idempotent. */
  async ensureTopics(topics: readonly string[]): Promise<void> {
    const missing = [...new Set(topics)].filter((t) => !this.#knownTopics.has(t));
    if (missing.length === 0) return;
    const admin = await this.#getAdmin();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: this.#options.partitions ?? 6,
          replicationFactor: this.#options.replicationFactor ?? -1,
        })),
      });
    } catch (err) {
      // Another process created them first (TOPIC_ALREADY_EXISTS), or kafkajs's own wait for leaders met a metadata
      // cache that did not know the brand-new topic yet (UNKNOWN_TOPIC_OR_PARTITION, which it does not retry). Both
      // are fine once every topic exists and has leaders; consuming before would fail with "does not host this partition".
      await this.#waitForLeaders(admin, missing).catch(() => {
        throw err;
      });
    }
    for (const t of missing) this.#knownTopics.add(t);
  }

  async #waitForLeaders(admin: Admin, topics: string[], timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const { topics: meta } = await admin.fetchTopicMetadata({ topics });
        if (meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
      } catch (err) {
        if (Date.now() >= deadline) throw err;
      }
      if (Date.now() >= deadline) throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  #getProducer(): Promise<Producer> {
    if (!this.#producer) {
      const producer = this.#kafka.producer({
        // Idempotent + one request in flight: broker-side dedup of retried sends, order kept per partition.
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner, // murmur2, same key → partition as Java clients
      });
      this.#producer = producer.connect().then(
        () => producer,
        (err: unknown) => {
          this.#producer = undefined;
          throw err;
        },
      );
    }
    return this.#producer;
  }

  #getAdmin(): Promise<Admin> {
    if (!this.#admin) {
      const admin = this.#kafka.admin();
      this.#admin = admin.connect().then(
        () => admin,
        (err: unknown) => {
          this.#admin = undefined;
          throw err;
        },
      );
    }
    return this.#admin;
  }

  async #startConsumer(sub: Subscription): Promise<void> {
    await this.ensureTopics([...sub.topics, ...sub.topics.map(dlqTopicFor)]);
    const consumer = this.#kafka.consumer({
      groupId: sub.groupId,
      sessionTimeout: this.#options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.#options.heartbeatIntervalMs ?? 3_000,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: this.#options.maxWaitTimeMs ?? 1_000,
    });
    consumer.on(consumer.events.CRASH, (event) =>
      this.#logger.error({ groupId: sub.groupId, err: event.payload.error, restart: event.payload.restart }, 'kafka consumer crashed'),
    );
    this.#consumers.set(sub, consumer);
    const signal = this.#abort.signal;
    // start() resolves once the group is joined: from then on nothing published is missed, even
    // with fromBeginning=false, and a quick stop() cannot race an unfinished join.
    const joined = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), this.#options.sessionTimeoutMs ?? 30_000);
      const off = consumer.on(consumer.events.GROUP_JOIN, () => {
        clearTimeout(timer);
        off();
        resolve(true);
      });
    });
    await consumer.connect();
    // A topic another process just created can be unknown to the broker's metadata for a moment
    // (UNKNOWN_TOPIC_OR_PARTITION, retriable): try again briefly instead of failing the service's start.
    await retryRetriable(() => consumer.subscribe({ topics: sub.topics, fromBeginning: sub.fromBeginning }), 15_000);
    await consumer.run({
      partitionsConsumedConcurrently: sub.concurrency,
      autoCommit: true,
      autoCommitInterval: 1_000,
      // Offsets are resolved one by one, only after the handler or the DLQ write succeeded.
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
        const hooks = { signal, logger: this.#logger, heartbeat };
        const messages = batch.messages.map((m) => toRawMessage(batch.topic, batch.partition, m));
        const io = {
          publishRaw: (t: string, ms: readonly OutgoingMessage[]) => this.publishRaw(t, ms),
          settle: async (message: RawMessage) => {
            resolveOffset(message.offset);
            await commitOffsetsIfNecessary();
            await heartbeat();
          },
          running: () => isRunning() && !isStale() && !signal.aborted,
        };
        // With a batch handler, what the fetch brought goes in chunks; a chunk that fails goes one by one.
        const size = sub.batchHandler ? sub.maxBatch : 1;
        for (let i = 0; i < messages.length && io.running(); i += size) {
          if (!(await deliverChunk(messages.slice(i, i + size), sub, hooks, io))) break;
        }
      },
    });
    if (!(await joined)) this.#logger.warn({ groupId: sub.groupId }, 'kafka consumer has not joined its group yet');
  }
}

/** Runs `op` again while it fails with a retriable Kafka error, for up to `timeoutMs`. */
async function retryRetriable<T>(op: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
