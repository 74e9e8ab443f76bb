import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Fetcher } from '@apollo/utils.fetcher';
import { CORRELATION_HEADER } from '@limitedcart/common';
import nodeFetch from 'node-fetch';
import type { GatewayContext } from './auth/gateway-context.ts';

/** Per subgraph: enough sockets for a drop's burst, bounded so one slow subgraph cannot exhaust file descriptors. */
export const SUBGRAPH_MAX_SOCKETS = 64;
/** A subgraph call that takes longer than this fails (the client gets an error for that part, not a hung request). */
export const SUBGRAPH_TIMEOUT_MS = 10_000;

export interface SubgraphClient {
  fetcher: Fetcher;
  /** Closes the pooled sockets (on stop). */
  close(): void;
}

/**
 * A fetcher over one keep-alive agent per subgraph. node-fetch v2 (what @apollo/gateway itself depends on) honours
 * both `agent` and `timeout`; the default make-fetch-happen fetcher replaces any agent with its own unbounded one.
 */
export function subgraphClient(url: string, timeoutMs = SUBGRAPH_TIMEOUT_MS): SubgraphClient {
  const options = { keepAlive: true, maxSockets: SUBGRAPH_MAX_SOCKETS, maxFreeSockets: 16, scheduling: 'lifo' as const };
  const agent = new URL(url).protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
  const fetcher: Fetcher = (target, init) => nodeFetch(target, { ...init, agent, timeout: timeoutMs });
  return { fetcher, close: () => agent.destroy() };
}

/** Sends each subgraph request with the caller's Authorization (already verified here) and the correlation id. */
export class ForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    // Health checks and schema loading carry no request context.
    const context = options.context as Partial<GatewayContext>;
    const headers = options.request.http?.headers;
    if (!headers) return;
    if (context.authorization) headers.set('authorization', context.authorization);
    if (context.correlationId) headers.set(CORRELATION_HEADER, context.correlationId);
  }
}
