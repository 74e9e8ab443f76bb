import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { bearerToken, formatError, MAX_BODY_BYTES, type Logger, type TokenVerifier } from '@limitedcart/common';
import {
  getOperationAST,
  GraphQLError,
  parse,
  type DocumentNode,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { gatewayContext, type GatewayContext } from '../auth/gateway-context.ts';
import { overLongQuery, parseOptions, queryTooLongError } from '../limits.ts';
import type { GatewayExecutor, SubscriptionSource } from './subscription-source.ts';

export interface GraphQLWsOptions {
  server: Server;
  path: string;
  logger: Logger;
  production: boolean;
  verifier: TokenVerifier;
  /** Queries and mutations run through the gateway with the operation's context (auth, limits, routing). */
  execute: GatewayExecutor;
  subscriptions: SubscriptionSource;
  /** The API schema graphql-ws hands to execute/subscribe (unused by ours, required by its types). */
  schema: () => GraphQLSchema;
}

export interface GraphQLWsServer {
  /** Closes every socket (1001 Going away), waiting briefly for clean close handshakes. */
  close(): Promise<void>;
}

/** Kept on graphql-ws's per-connection `extra`: the Authorization verified at connect. */
type ConnectionExtra = { authorization?: string };

/** What onSubscribe prepares for graphql-ws's execute/subscribe hooks, carried as the contextValue. */
interface PreparedOperation {
  context: GatewayContext;
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
  stream?: AsyncIterable<FormattedExecutionResult>;
}

const CLOSE_GRACE_MS = 2_000;

// graphql ships no exports map: Node resolves every `import 'graphql'` (ours, graphql-ws's) to its CommonJS build,
// while Vite-based test runners resolve our source's import to the .mjs build. graphql-ws accepts errors from
// onSubscribe only when they are `instanceof` its GraphQLError, so they are rebuilt with the class Node loads
// (in production the very same class).
const { GraphQLError: NodeGraphQLError } = createRequire(import.meta.url)('graphql') as { GraphQLError: typeof GraphQLError };

function refusal(errors: readonly GraphQLError[]): GraphQLError[] {
  return errors.map((error) => new NodeGraphQLError(error.message, { extensions: error.extensions }));
}

/** graphql-ws error payloads: formatted like Apollo's (no stack, internals hidden in production), no HTTP hints. */
function wsFormat(format: ReturnType<typeof formatError>) {
  return (error: GraphQLError) => {
    const formatted = format(error.toJSON());
    if (!formatted.extensions || !('http' in formatted.extensions)) return formatted;
    const { http: _http, ...extensions } = formatted.extensions;
    return { ...formatted, extensions };
  };
}

function requestError(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/**
 * graphql-ws on the gateway's HTTP server (same path as HTTP GraphQL). The token comes in
 * `connectionParams.authorization` and is verified at connect (a bad one closes the socket with 4403 Forbidden) and
 * again for every operation (it may have expired since). Results come back already formatted by Apollo.
 */
export function attachGraphQLWs(options: GraphQLWsOptions): GraphQLWsServer {
  const { logger } = options;
  const format = wsFormat(formatError(options.production));
  const wss = new WebSocketServer({ server: options.server, path: options.path, maxPayload: MAX_BODY_BYTES });

  const disposable = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      isProd: options.production,
      async onConnect(ctx) {
        const authorization = ctx.connectionParams?.authorization;
        if (authorization === undefined || authorization === null || authorization === '') return true;
        if (typeof authorization !== 'string') return false;
        try {
          const token = bearerToken(authorization);
          if (token) await options.verifier.verify(token);
        } catch {
          logger.info('graphql-ws connection refused: invalid access token');
          return false;
        }
        ctx.extra.authorization = authorization;
        return true;
      },
      async onSubscribe(ctx, _id, payload) {
        const tooLong = overLongQuery(payload.query);
        if (tooLong !== undefined) return refusal([queryTooLongError(tooLong)]);
        let document: DocumentNode;
        try {
          document = parse(payload.query, parseOptions);
        } catch (error) {
          return refusal([requestError(error instanceof Error ? error.message : 'Syntax error', 'GRAPHQL_PARSE_FAILED')]);
        }
        const operationName = payload.operationName ?? undefined;
        const operation = getOperationAST(document, operationName);
        if (!operation) return refusal([requestError('Unable to identify the operation to run', 'BAD_REQUEST')]);
        let context: GatewayContext;
        try {
          context = await gatewayContext(ctx.extra.authorization, randomUUID(), options.verifier, logger);
        } catch (error) {
          return refusal([error instanceof GraphQLError ? error : requestError('Unauthenticated', 'UNAUTHENTICATED')]);
        }
        const variables = payload.variables ?? undefined;
        const prepared: PreparedOperation = { context, query: payload.query, operationName, variables };
        if (operation.operation === 'subscription') {
          let result: Awaited<ReturnType<SubscriptionSource['subscribe']>>;
          try {
            result = await options.subscriptions.subscribe({ query: payload.query, document, operationName, variables }, context);
          } catch (error) {
            logger.error({ err: error }, 'subscription source failed');
            return refusal([requestError('Internal server error', 'INTERNAL_SERVER_ERROR')]);
          }
          if (!isIterable(result)) return refusal(result);
          prepared.stream = result;
        }
        return { schema: options.schema(), document, operationName, variableValues: variables, contextValue: prepared };
      },
      // Results are Apollo's formatted results; graphql-ws's typings want unformatted ones, the wire format is the same.
      async execute(args) {
        const prepared = args.contextValue as PreparedOperation;
        const { query, operationName, variables, context } = prepared;
        try {
          return (await options.execute({ query, operationName, variables }, context)) as ExecutionResult;
        } catch (error) {
          // Thrown here, graphql-ws would close the whole socket (4500); one failed operation should not.
          logger.error({ err: error, correlationId: context.correlationId }, 'graphql-ws operation failed');
          return { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] } as unknown as ExecutionResult;
        }
      },
      subscribe(args) {
        const prepared = args.contextValue as PreparedOperation;
        return prepared.stream as AsyncIterable<ExecutionResult>;
      },
      // Pass results through as they are: they are formatted already (graphql-ws would call toJSON on each error).
      onNext: (_ctx, _id, _payload, _args, result) => result as FormattedExecutionResult,
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
    },
    wss,
  );

  return {
    async close() {
      const sockets = [...wss.clients];
      await disposable.dispose();
      await Promise.race([
        Promise.all(sockets.map(closed)),
        new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref()),
      ]);
      for (const socket of sockets) if (socket.readyState !== socket.CLOSED) socket.terminate();
    },
  };
}

function isIterable(value: unknown): value is AsyncIterable<FormattedExecutionResult> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function closed(socket: WebSocket): Promise<void> {
  if (socket.readyState === socket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}
