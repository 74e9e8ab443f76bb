import type { Config, Logger } from '@limitedcart/common';
import type { DocumentNode, FormattedExecutionResult, GraphQLError } from 'graphql';
import type { GatewayContext } from '../auth/gateway-context.ts';
import type { SubscriptionValidator } from './subscription-validator.ts';

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
 * The seam for subscriptions (DESIGN §4): a source takes root events from somewhere (the gateway's default,
 * order-subscription-source.ts, from Redis pub/sub) and resolves the client's selection with `execute`. Returning
 * errors refuses the subscription (graphql-ws sends them as an `error` message); returning an iterable streams each
 * result as a `next` message, and graphql-ws calls its `return()` when the client completes or disconnects.
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
  /** Validates a subscription document against the API schema with the gateway's rules and limits. */
  validate?: SubscriptionValidator;
}

export type SubscriptionSourceFactory = (deps: SubscriptionSourceDeps) => SubscriptionSource;
