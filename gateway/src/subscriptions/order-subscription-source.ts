import { createRedis, type Logger } from '@limitedcart/common';
import { orderStatusChannel } from '@limitedcart/common/events/order-status-channel';
import { GraphQLError, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../auth/gateway-context.ts';
import { OrderStatusFanout, type OrderStatusFeed, type OrderStatusListener } from './order-status-fanout.ts';
import { NOT_FOUND_MESSAGE, OrderUpdateStream } from './order-update-stream.ts';
import { probeOrderVersion } from './order-version-probe.ts';
import { rewriteSubscription } from './subscription-rewrite.ts';
import type {
  GatewayExecutor,
  SubscriptionRequest,
  SubscriptionSource,
  SubscriptionSourceDeps,
  SubscriptionSourceFactory,
} from './subscription-source.ts';
import type { SubscriptionValidator } from './subscription-validator.ts';
import { accessTokenExpiry } from './token-expiry.ts';

export interface OrderSubscriptionSourceOptions {
  feed: OrderStatusFeed;
  execute: GatewayExecutor;
  /** Checks the client's document against the API schema first; without it, the executor's validation of each query is all. */
  validate?: SubscriptionValidator | undefined;
  logger: Logger;
  /** How long a new subscription waits for the feed to be subscribed (Redis down: refused after this). */
  readyTimeoutMs?: number;
  /** Per subscription: orders with an update the client has not taken yet (see OrderUpdateStream). */
  maxPendingOrders?: number;
}

export const DEFAULT_READY_TIMEOUT_MS = 3_000;

const error = (code: string, message: string) => new GraphQLError(message, { extensions: { code } });
// Someone else's order and an unknown id look the same (the contract never leaks an order's existence).
const notFound = () => error('NOT_FOUND', NOT_FOUND_MESSAGE);
const unavailable = () => error('SERVICE_UNAVAILABLE', 'Live order updates are unavailable right now; try again shortly.');

/** An error of the first query's result, as a refusal (graphql-ws sends it as the subscription's `error`). */
function refusalOf(formatted: GraphQLFormattedError): GraphQLError {
  return new GraphQLError(formatted.message, { extensions: formatted.extensions ?? {} });
}

/**
 * The gateway's subscriptions (DESIGN §4, contract "Orders"): the root event comes from the order status feed (Redis
 * pub/sub), the client's selection is resolved by running the rewritten document as a query through the gateway with
 * the subscriber's own context, so the subgraphs enforce ownership and any supergraph field works.
 *
 * - `orderUpdated(id)`: needs a login; a small query first checks ownership (null order → NOT_FOUND, whether the order
 *   is someone else's or does not exist) and reads the status version; the client's query then gives the first
 *   payload (the current state); then one payload per newer status of that order.
 * - `myOrderUpdates`: needs a login; no first payload; one payload per new status of any of the caller's orders.
 */
export class OrderSubscriptionSource implements SubscriptionSource {
  readonly #options: OrderSubscriptionSourceOptions;
  readonly #streams = new Set<OrderUpdateStream>();
  #closed = false;

  constructor(options: OrderSubscriptionSourceOptions) {
    this.#options = options;
  }

  /** Live listeners on the feed (0 once every subscription has ended). */
  listenerCount(): number {
    return this.#options.feed.listenerCount();
  }

  /** Subscriptions currently open. */
  get size(): number {
    return this.#streams.size;
  }

  async subscribe(request: SubscriptionRequest, context: GatewayContext): Promise<AsyncIterable<FormattedExecutionResult> | readonly GraphQLError[]> {
    if (this.#closed) return [unavailable()];
    const invalid = this.#options.validate?.(request.document) ?? [];
    if (invalid.length) return invalid;
    const plan = rewriteSubscription(request);
    if ('errors' in plan) return plan.errors;
    const user = context.user;
    if (!user) return [error('UNAUTHENTICATED', 'You must be logged in.')];

    const { feed, execute } = this.#options;
    try {
      // Subscribed before the first query runs: no status change can fall between the two.
      await feed.ready(this.#options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
    } catch (cause) {
      context.logger.warn({ err: cause }, 'order subscription refused: the status feed is not subscribed');
      return [unavailable()];
    }
    if (this.#closed) return [unavailable()];

    let stopListening = () => {};
    const open = (whenGone: 'end' | 'skip', run: (orderId: string) => Promise<FormattedExecutionResult>) => {
      const stream: OrderUpdateStream = new OrderUpdateStream({
        responseKey: plan.responseKey,
        logger: context.logger,
        expiresAt: accessTokenExpiry(context.authorization),
        ...(this.#options.maxPendingOrders === undefined ? {} : { maxPendingOrders: this.#options.maxPendingOrders }),
        whenGone,
        run,
        onEnd: () => {
          stopListening();
          this.#streams.delete(stream);
        },
      });
      this.#streams.add(stream);
      return stream;
    };
    const listenerOf = (stream: OrderUpdateStream): OrderStatusListener => ({
      message: (message) => stream.push(message),
      resubscribed: () => stream.resync(),
    });

    if (plan.field === 'myOrderUpdates') {
      const stream = open('skip', (orderId) => execute(plan.requestFor(orderId), context));
      stopListening = feed.onCustomer(user.id, listenerOf(stream));
      return stream;
    }

    const stream = open('end', () => execute(plan.request, context));
    stopListening = feed.onOrder(plan.orderId, listenerOf(stream));
    let first: FormattedExecutionResult;
    try {
      // The ownership check, and the version the first payload is at least at (messages up to it are not re-sent).
      const probe = await probeOrderVersion(execute, plan.orderId, context);
      if (probe.kind === 'hidden') {
        await stream.return();
        return [notFound()];
      }
      if (stream.ended) return [unavailable()]; // the source closed meanwhile
      first = await stream.prime(plan.orderId, probe.kind === 'visible' ? probe.version : 0);
    } catch (cause) {
      await stream.return();
      throw cause;
    }
    if (stream.ended) return [unavailable()]; // the source closed while the first queries ran
    const order = first.data?.[plan.responseKey];
    if (order !== null && order !== undefined) return stream;
    await stream.return();
    if (first.errors?.length) return first.errors.map(refusalOf);
    return [notFound()];
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#streams].map((stream) => stream.return()));
    await this.#options.feed.close();
  }
}

/** The gateway's default source: one Redis subscriber connection per gateway process on the order status channel. */
export function createOrderSubscriptions({ config, logger, execute, validate }: SubscriptionSourceDeps): OrderSubscriptionSource {
  return new OrderSubscriptionSource({
    feed: new OrderStatusFanout(createRedis(config, 'gateway-order-status'), orderStatusChannel(config.redisPrefix), logger),
    execute,
    validate,
    logger,
  });
}

export const orderSubscriptions: SubscriptionSourceFactory = createOrderSubscriptions;
