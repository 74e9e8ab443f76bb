import { createHash } from 'node:crypto';
import type { Logger } from '@limitedcart/common';
import type { OrderStatusMessage } from '@limitedcart/common/events/order-status-channel';
import type { FormattedExecutionResult } from 'graphql';

export interface OrderUpdateStreamOptions {
  /** Where the order sits in a result's `data` (the client's response key). */
  responseKey: string;
  /** Runs the client's selection for one order through the gateway (the rewritten query). */
  run(orderId: string): Promise<FormattedExecutionResult>;
  /** Called once when the stream stops listening, however it ends: remove its feed listeners here. */
  onEnd(): void;
  /**
   * A result whose order is null without errors (the order is no longer visible): `end` the subscription with
   * NOT_FOUND (orderUpdated), or `skip` it (myOrderUpdates).
   */
  whenGone: 'end' | 'skip';
  /** When the subscriber's access token expires (ms since the epoch): later updates end the stream (UNAUTHENTICATED). */
  expiresAt?: number | undefined;
  /** Orders with an update not yet pulled by the client; beyond this the oldest is dropped. */
  maxPendingOrders?: number;
  /** Orders whose last version and payload are remembered (for dedupe); beyond this the least recent is forgotten. */
  maxTrackedOrders?: number;
  logger: Logger;
  now?: () => number;
}

export const DEFAULT_MAX_PENDING_ORDERS = 100;
export const DEFAULT_MAX_TRACKED_ORDERS = 1_000;

/** What the stream remembers per order: the highest status version accepted and a digest of the last payload sent. */
interface Tracked {
  version: number;
  delivered: string | undefined;
}

/** An order waiting for its query; ambiguous when the update may already be in the last payload sent. */
interface Pending {
  ambiguous: boolean;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

export const NOT_FOUND_MESSAGE = 'Order not found.';
export const EXPIRED_TOKEN_MESSAGE = 'The access token has expired: subscribe again with a new token.';

const digest = (payload: FormattedExecutionResult) => createHash('sha256').update(JSON.stringify(payload)).digest('base64');

/**
 * One client subscription's payloads, pulled by graphql-ws. Status messages only mark an order as changed (dropping
 * versions already seen: the channel is at-least-once); the query runs when the client asks for its next payload, so
 * several messages for an order that arrive while a query runs, or while a slow client has not taken the last payload,
 * become one payload with the latest state. Queries run one at a time, each started after the previous one ended, so a
 * payload is never older than the one before it. Memory is bounded: pending orders and remembered orders are capped.
 *
 * A message that arrives while its order's query is running may already be in that query's result; the re-run it
 * causes is sent only if the payload differs from the last one (same for `resync()` after the feed reconnected).
 * `return()` ends it at once, also while a query or a wait is in progress (graphql-ws calls it on complete/close).
 */
export class OrderUpdateStream implements AsyncIterableIterator<FormattedExecutionResult, undefined, undefined> {
  readonly #options: OrderUpdateStreamOptions;
  readonly #maxPending: number;
  readonly #maxTracked: number;
  readonly #now: () => number;
  readonly #tracked = new Map<string, Tracked>();
  readonly #pending = new Map<string, Pending>();
  /** Payloads ready to send before any query: the current state (orderUpdated), or a final error. */
  #ready: FormattedExecutionResult[] = [];
  #running: string | undefined;
  #listening = true;
  /** Set by #finish: send what is ready, then end. */
  #closing = false;
  #done = false;
  #wake: (() => void) | undefined;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(options: OrderUpdateStreamOptions) {
    this.#options = options;
    this.#maxPending = options.maxPendingOrders ?? DEFAULT_MAX_PENDING_ORDERS;
    this.#maxTracked = options.maxTrackedOrders ?? DEFAULT_MAX_TRACKED_ORDERS;
    this.#now = options.now ?? Date.now;
  }

  /** True once the stream no longer listens (ended, or finishing with a last payload). */
  get ended(): boolean {
    return !this.#listening;
  }

  /** Orders with an update waiting for the client (for tests and metrics). */
  get pendingOrders(): number {
    return this.#pending.size;
  }

  /**
   * Runs the query for the subscribed order before the stream is handed out (orderUpdated's current state). Listen to
   * the feed first: a message arriving meanwhile schedules a re-run, sent only if it shows something new. `version` is
   * the order's status version read before this query (the state sent is at least that new): messages up to it are
   * already reflected and dropped. When the order is in the result, that result becomes the first payload; the caller
   * decides what an absent order means.
   */
  async prime(orderId: string, version = 0): Promise<FormattedExecutionResult> {
    const known = this.#tracked.get(orderId);
    const pending = this.#pending.get(orderId);
    if (pending && (known?.version ?? 0) <= version) this.#pending.delete(orderId);
    else if (pending) pending.ambiguous = true;
    this.#track(orderId, { version: Math.max(version, known?.version ?? 0), delivered: known?.delivered });
    this.#running = orderId;
    let result: FormattedExecutionResult;
    try {
      result = await this.#options.run(orderId);
    } finally {
      this.#running = undefined;
    }
    if (this.#hasOrder(result) && !this.#done) {
      this.#ready.push(result);
      this.#track(orderId, { version: this.#tracked.get(orderId)?.version ?? version, delivered: digest(result) });
    }
    return result;
  }

  /** A status message for an order this subscription follows. */
  push(message: OrderStatusMessage): void {
    if (!this.#listening) return;
    const known = this.#tracked.get(message.orderId);
    if (known && message.version <= known.version) return; // a duplicate (at-least-once) or an older status
    this.#track(message.orderId, { version: message.version, delivered: known?.delivered });
    this.#schedule(message.orderId, this.#running === message.orderId);
  }

  /** The feed resubscribed after a reconnect and may have missed messages: re-check every order already sent. */
  resync(): void {
    if (!this.#listening) return;
    for (const [orderId, tracked] of this.#tracked) if (tracked.delivered !== undefined) this.#schedule(orderId, true);
  }

  next(): Promise<IteratorResult<FormattedExecutionResult, undefined>> {
    const result = this.#chain.then(() => this.#pull());
    this.#chain = result.catch(() => undefined);
    return result;
  }

  async return(): Promise<IteratorResult<FormattedExecutionResult, undefined>> {
    this.#end();
    return DONE;
  }

  async throw(): Promise<IteratorResult<FormattedExecutionResult, undefined>> {
    this.#end();
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async #pull(): Promise<IteratorResult<FormattedExecutionResult, undefined>> {
    for (;;) {
      if (this.#done) return DONE;
      const ready = this.#ready.shift();
      if (ready) return { done: false, value: ready };
      if (this.#closing) {
        this.#end();
        return DONE;
      }
      const next = this.#pending.entries().next();
      if (next.done) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      const [orderId, { ambiguous }] = next.value;
      this.#pending.delete(orderId);
      if (this.#options.expiresAt !== undefined && this.#now() >= this.#options.expiresAt) {
        this.#finish({ errors: [{ message: EXPIRED_TOKEN_MESSAGE, extensions: { code: 'UNAUTHENTICATED' } }] });
        continue;
      }
      const result = await this.#run(orderId);
      if (this.#done) return DONE;
      if (!this.#hasOrder(result)) {
        if (result.errors?.length) return { done: false, value: this.#withNullData(result) };
        if (this.#options.whenGone === 'end') {
          this.#finish({
            data: null,
            errors: [{ message: NOT_FOUND_MESSAGE, path: [this.#options.responseKey], extensions: { code: 'NOT_FOUND' } }],
          });
        }
        continue;
      }
      const sent = digest(result);
      const tracked = this.#tracked.get(orderId);
      if (ambiguous && tracked?.delivered === sent) continue;
      this.#track(orderId, { version: tracked?.version ?? 0, delivered: sent });
      return { done: false, value: result };
    }
  }

  async #run(orderId: string): Promise<FormattedExecutionResult> {
    this.#running = orderId;
    try {
      return await this.#options.run(orderId);
    } catch (error) {
      this.#options.logger.error({ err: error, orderId }, 'order subscription query failed');
      return { data: null, errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
    } finally {
      this.#running = undefined;
    }
  }

  #hasOrder(result: FormattedExecutionResult): boolean {
    const order = result.data?.[this.#options.responseKey];
    return order !== null && order !== undefined;
  }

  /** The subscription field is `Order!`: a null order nulls the whole data (GraphQL's null propagation). */
  #withNullData(result: FormattedExecutionResult): FormattedExecutionResult {
    return 'data' in result ? { ...result, data: null } : result;
  }

  #schedule(orderId: string, ambiguous: boolean): void {
    const pending = this.#pending.get(orderId);
    if (pending) {
      pending.ambiguous ||= ambiguous;
    } else {
      this.#pending.set(orderId, { ambiguous });
      if (this.#pending.size > this.#maxPending) {
        const [oldest] = this.#pending.keys();
        this.#pending.delete(oldest!);
        this.#options.logger.warn({ orderId: oldest, maxPendingOrders: this.#maxPending }, 'slow subscriber: an order update was dropped');
      }
    }
    this.#wake?.();
  }

  /** Remembers an order as the most recent one; the least recent is forgotten beyond the cap. */
  #track(orderId: string, tracked: Tracked): void {
    this.#tracked.delete(orderId);
    this.#tracked.set(orderId, tracked);
    if (this.#tracked.size > this.#maxTracked) {
      const [oldest] = this.#tracked.keys();
      this.#tracked.delete(oldest!);
    }
  }

  #stopListening(): void {
    if (!this.#listening) return;
    this.#listening = false;
    this.#pending.clear();
    try {
      this.#options.onEnd();
    } catch (error) {
      this.#options.logger.error({ err: error }, 'order subscription cleanup failed');
    }
  }

  /** Stops listening now; the client still gets `payload`, then the end. */
  #finish(payload: FormattedExecutionResult): void {
    this.#stopListening();
    this.#ready.push(payload);
    this.#closing = true;
  }

  #end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#stopListening();
    this.#ready = [];
    this.#wake?.();
  }
}
