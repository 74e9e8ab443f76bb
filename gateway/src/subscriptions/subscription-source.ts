import type { Config, Logger } from '@limitedcart/common';
import { GraphQLError, type DocumentNode, type FormattedExecutionResult } from 'graphql';
import type { GatewayContext } from '../auth/gateway-context.ts';

/** One client subscription as it arrived over graphql-ws (already parsed, length-checked and authenticated). */
export interface SubscriptionRequest {
  query: string;
  document: DocumentNode;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
}

/** Runs a query or mutation through the gateway (same context, limits and subgraph routing as HTTP). */
export type GatewayExecutor = (
  request: { query: string; operationName?: string; variables?: Record<string, unknown> },
  context: GatewayContext,
) => Promise<FormattedExecutionResult>;

/**
 * The seam for subscriptions (DESIGN §4): the orders issue plugs in a source that takes root events from Redis
 * pub/sub and resolves the client's selection with `execute`. Returning errors refuses the subscription (graphql-ws
 * sends them as an `error` message); returning an iterable streams each result as a `next` message.
 */
export interface SubscriptionSource {
  subscribe(
    request: SubscriptionRequest,
    context: GatewayContext,
  ): Promise<AsyncIterable<FormattedExecutionResult> | readonly GraphQLError[]>;
  /** Ends every live subscription and releases connections (called on gateway stop). */
  close(): Promise<void>;
}

export interface SubscriptionSourceDeps {
  config: Config;
  logger: Logger;
  execute: GatewayExecutor;
}

export type SubscriptionSourceFactory = (deps: SubscriptionSourceDeps) => SubscriptionSource;

/** Today's source: every subscription is refused with a clear error (BAD_REQUEST: a client-facing code). */
export const unavailableSubscriptions: SubscriptionSourceFactory = () => ({
  async subscribe() {
    return [new GraphQLError('subscriptions are not available yet', { extensions: { code: 'BAD_REQUEST' } })];
  },
  async close() {},
});
