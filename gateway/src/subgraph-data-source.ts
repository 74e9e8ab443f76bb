import { STATUS_CODES } from 'node:http';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { CORRELATION_HEADER, GATEWAY_PROOF_HEADER, gatewayProof } from '@limitedcart/common';
import { GraphQLError } from 'graphql';
import { errors, Pool } from 'undici';
import type { GatewayContext } from './auth/gateway-context.ts';

/** Per subgraph: enough sockets for a drop's burst, bounded so one slow subgraph cannot exhaust file descriptors. */
export const SUBGRAPH_MAX_SOCKETS = 64;
/** A subgraph call (connect, send, whole response) that takes longer fails: an error for that part, not a hung request. */
export const SUBGRAPH_TIMEOUT_MS = 10_000;

/** A subgraph's answer, read whole. */
export interface SubgraphAnswer {
  status: number;
  statusText: string;
  contentType: string;
  body: string;
}

export interface SubgraphClient {
  /** POSTs `body` to the subgraph's URL. */
  post(body: string, headers: Record<string, string>): Promise<SubgraphAnswer>;
  /** Closes the pooled sockets (on stop). */
  close(): void;
}

/**
 * One bounded pool of keep-alive connections per subgraph (undici), a deadline for the whole exchange, and the answer
 * kept as text. Neither fetcher @apollo/gateway ships fits (make-fetch-happen replaces any agent with its own
 * unbounded pool; node-fetch v2 falsely fails chunked responses on reused keep-alive sockets, "Premature close"), a
 * WHATWG Response per call cost ~4 % of the gateway's CPU in the drop, and undici's request costs the gateway less
 * CPU per subgraph call than node:http's ClientRequest (tests/bench/gateway-overhead.bench.ts).
 */
export function subgraphClient(url: string, timeoutMs = SUBGRAPH_TIMEOUT_MS): SubgraphClient {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: SUBGRAPH_MAX_SOCKETS, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const path = `${target.pathname}${target.search}`;

  // The deadline is undici's own (headers, then each body chunk, within timeoutMs): an AbortSignal per call cost more.
  const post = async (body: string, headers: Record<string, string>): Promise<SubgraphAnswer> => {
    try {
      const res = await pool.request({ method: 'POST', path, headers, body });
      const type = res.headers['content-type'];
      return { status: res.statusCode, statusText: STATUS_CODES[res.statusCode] ?? '', contentType: (Array.isArray(type) ? type[0] : type) ?? '', body: await res.body.text() };
    } catch (error) {
      if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
        throw new Error(`subgraph request timed out after ${timeoutMs} ms`, { cause: error });
      }
      throw error;
    }
  };
  return { post, close: () => void pool.destroy() };
}

/**
 * The gateway's data source for one subgraph: each fetch of a query plan is POSTed with the caller's Authorization
 * (already verified here), the proof that it was (gateway-proof.ts) and the correlation id. It does what
 * RemoteGraphQLDataSource does for us, minus what buys nothing here (a node-fetch Headers and Request per call,
 * subgraph APQ, cache-control hints: no subgraph sends any).
 */
export class ForwardingDataSource implements GraphQLDataSource<GatewayContext> {
  readonly #client: SubgraphClient;
  readonly #internalAuthSecret: string;

  constructor(options: { client: SubgraphClient; internalAuthSecret: string }) {
    this.#client = options.client;
    this.#internalAuthSecret = options.internalAuthSecret;
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { query, variables, operationName, extensions } = options.request;
    if (!query) throw new Error('Missing query');
    const answer = await this.#client.post(JSON.stringify({ query, variables, operationName, extensions }), this.#headers(options.context));
    const body = answer.contentType.startsWith('application/json') || answer.contentType.startsWith('application/graphql-response+json') ? (JSON.parse(answer.body) as unknown) : answer.body;
    if (answer.status < 200 || answer.status > 299) throw errorFromAnswer(answer, body);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error(`Expected JSON response body, but received: ${String(body)}`);
    return body as GatewayGraphQLResponse;
  }

  /** The headers of a subgraph call. Health checks and schema loading carry no request context. */
  #headers(context: Partial<GatewayContext> | undefined): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (context?.authorization) {
      headers.authorization = context.authorization;
      // gatewayContext forwards an Authorization only once its token verified: "Bearer <token>".
      headers[GATEWAY_PROOF_HEADER] = gatewayProof(this.#internalAuthSecret, context.authorization.slice('Bearer '.length).trim());
    }
    if (context?.correlationId) headers[CORRELATION_HEADER] = context.correlationId;
    return headers;
  }
}

/** A non-2xx answer as RemoteGraphQLDataSource reports it: "<status>: <text>", 401/403 typed. */
function errorFromAnswer(answer: SubgraphAnswer, body: unknown): GraphQLError {
  const code = answer.status === 401 ? 'UNAUTHENTICATED' : answer.status === 403 ? 'FORBIDDEN' : undefined;
  return new GraphQLError(`${answer.status}: ${answer.statusText}`, {
    extensions: { ...(code ? { code } : {}), response: { status: answer.status, statusText: answer.statusText, body } },
  });
}
