import type { Logger } from '@limitedcart/common';
import { decodeOrderStatusMessage, type OrderStatusMessage } from '@limitedcart/common/events/order-status-channel';
import type { Redis } from 'ioredis';

/** What a subscription hears from the feed. */
export interface OrderStatusListener {
  /** A status message for the order or customer it listens to. */
  message(message: OrderStatusMessage): void;
  /** The connection came back and is subscribed again: messages sent meanwhile are lost (pub/sub), re-check. */
  resubscribed(): void;
}

export interface OrderStatusFeed {
  /** Resolves once the channel subscription is confirmed on the live connection; rejects after `timeoutMs`. */
  ready(timeoutMs: number): Promise<void>;
  /** Listens to one order's messages; the returned function removes the listener. */
  onOrder(orderId: string, listener: OrderStatusListener): () => void;
  /** Listens to every message about one customer's orders; the returned function removes the listener. */
  onCustomer(customerId: string, listener: OrderStatusListener): () => void;
  /** Registered listeners (orders and customers). */
  listenerCount(): number;
  /** Unsubscribes and closes the connection; listeners get nothing more. */
  close(): Promise<void>;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  settled: boolean;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  const d: Deferred = { promise, settled: false, resolve: () => ((d.settled = true), resolve()) };
  return d;
}

/**
 * The gateway's one Redis pub/sub connection for order status (DESIGN §4): subscribed once to the channel, it hands each
 * message to the in-process listeners of its order and of its customer. Several gateway processes each have their own
 * connection and deliver to their own sockets. After a reconnect, ioredis resubscribes; the feed confirms the
 * subscription itself and then tells every listener to re-check (pub/sub drops what was sent while disconnected).
 */
export class OrderStatusFanout implements OrderStatusFeed {
  readonly #redis: Redis;
  readonly #channel: string;
  readonly #logger: Logger;
  readonly #byOrder = new Map<string, Set<OrderStatusListener>>();
  readonly #byCustomer = new Map<string, Set<OrderStatusListener>>();
  #subscribed = deferred();
  #everSubscribed = false;
  #closed = false;
  #lastError = 0;

  /** `redis` must be a connection of its own (it enters subscriber mode); the feed owns and closes it. */
  constructor(redis: Redis, channel: string, logger: Logger) {
    this.#redis = redis;
    this.#channel = channel;
    this.#logger = logger;
    redis.on('ready', () => this.#subscribe());
    redis.on('close', () => {
      if (this.#subscribed.settled) this.#subscribed = deferred();
    });
    redis.on('error', (error: Error) => {
      // ioredis retries on its own; log at most every 10 s instead of once per retry.
      if (Date.now() - this.#lastError > 10_000) logger.warn({ err: error }, 'order status feed: Redis connection error');
      this.#lastError = Date.now();
    });
    redis.on('message', (channel: string, raw: string) => {
      if (channel === this.#channel) this.#dispatch(raw);
    });
    if (redis.status === 'ready') this.#subscribe();
  }

  async ready(timeoutMs: number): Promise<void> {
    if (this.#closed) throw new Error('the order status feed is closed');
    if (this.#subscribed.settled) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.#subscribed.promise,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`not subscribed to ${this.#channel} after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  onOrder(orderId: string, listener: OrderStatusListener): () => void {
    return this.#add(this.#byOrder, orderId, listener);
  }

  onCustomer(customerId: string, listener: OrderStatusListener): () => void {
    return this.#add(this.#byCustomer, customerId, listener);
  }

  listenerCount(): number {
    let count = 0;
    for (const listeners of [...this.#byOrder.values(), ...this.#byCustomer.values()]) count += listeners.size;
    return count;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#byOrder.clear();
    this.#byCustomer.clear();
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #subscribe(): void {
    if (this.#closed) return;
    const current = this.#subscribed;
    this.#redis.subscribe(this.#channel).then(
      () => {
        if (this.#closed || current !== this.#subscribed) return;
        const resubscribed = this.#everSubscribed;
        this.#everSubscribed = true;
        current.resolve();
        if (resubscribed) {
          this.#logger.info({ channel: this.#channel }, 'order status feed resubscribed after a reconnect');
          for (const listener of this.#all()) this.#call(() => listener.resubscribed());
        }
      },
      // The connection dropped again before the reply: the next 'ready' subscribes again.
      (error: unknown) => this.#logger.warn({ err: error, channel: this.#channel }, 'order status feed could not subscribe'),
    );
  }

  #dispatch(raw: string): void {
    const message = decodeOrderStatusMessage(raw);
    if (!message) {
      this.#logger.warn({ channel: this.#channel }, 'order status feed: ignored a malformed message');
      return;
    }
    // Copies: a listener may unsubscribe (or another subscribe) while the message is handed out.
    const listeners = [...(this.#byOrder.get(message.orderId) ?? []), ...(this.#byCustomer.get(message.customerId) ?? [])];
    for (const listener of listeners) this.#call(() => listener.message(message));
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#logger.error({ err: error }, 'order status listener failed');
    }
  }

  *#all(): Iterable<OrderStatusListener> {
    for (const listeners of [...this.#byOrder.values(), ...this.#byCustomer.values()]) yield* [...listeners];
  }

  #add(index: Map<string, Set<OrderStatusListener>>, key: string, listener: OrderStatusListener): () => void {
    if (this.#closed) return () => {};
    let listeners = index.get(key);
    if (!listeners) index.set(key, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      const current = index.get(key);
      if (!current?.delete(listener)) return;
      if (current.size === 0) index.delete(key);
    };
  }
}
