import type { IncomingMessage, Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { GATEWAY_PROOF_HEADER, vouchedUser } from '../auth/gateway-proof.ts';
import { bearerToken } from '../auth/token-verifier.ts';
import type { Config } from '../config.ts';
import type { RequestContext } from '../context.ts';
import { formatError } from '../graphql/errors.ts';
import { CORRELATION_HEADER, type Logger } from '../logger.ts';
import { apolloHandler } from './apollo-handler.ts';
import { healthRoutes, type ReadinessCheck } from './health.ts';
import { initMetrics } from './metrics.ts';
import { closeServer, createHttpServer, listen, type Route, type RouteHandler } from './server.ts';

export interface SubgraphServerOptions {
  name: string;
  config: Config;
  logger: Logger;
  schema: GraphQLSchema;
  verifier: TokenVerifier;
  port: number;
  readiness: ReadinessCheck[];
  /** Extra HTTP routes (JWKS, webhooks). */
  routes?: Route[];
}

export interface SubgraphServer {
  server: Server;
  port: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * Builds the request context: correlation id from the gateway, user from the token (defense in depth: its claims
 * under the gateway's proof that it checked the signature, else the signature checked here).
 */
export async function requestContext(req: IncomingMessage, verifier: TokenVerifier, logger: Logger, internalAuthSecret: string): Promise<RequestContext> {
  const correlationId = String(req.headers[CORRELATION_HEADER]);
  const authorization = req.headers.authorization;
  const token = bearerToken(authorization);
  const user = token ? (vouchedUser(internalAuthSecret, token, req.headers[GATEWAY_PROOF_HEADER]) ?? (await verifier.verify(token))) : null;
  // The logger's mixin already stamps the correlation id on every line written inside this request.
  return { correlationId, user, authorization, logger };
}

/** One subgraph on its port: /graphql, health, metrics and its own routes; stop() drains requests first. */
export async function startSubgraphServer(options: SubgraphServerOptions): Promise<SubgraphServer> {
  const { config, logger } = options;
  initMetrics(options.name);
  let stopping = false;
  // Apollo needs the http server (to drain it) and the server needs Apollo's handler: bind the handler late.
  let graphql: RouteHandler = () => undefined;
  const delegate: RouteHandler = (req, res, body) => graphql(req, res, body);
  const server = createHttpServer({
    logger,
    routes: [
      ...healthRoutes(() => options.readiness, () => stopping),
      ...(options.routes ?? []),
      { method: 'POST', path: '/graphql', handler: delegate },
      { method: 'GET', path: '/graphql', handler: delegate },
    ],
  });
  const apollo = new ApolloServer<RequestContext>({
    schema: options.schema,
    formatError: formatError(config.production),
    includeStacktraceInErrorResponses: false,
    introspection: !config.production,
    csrfPrevention: true,
    // runMain owns SIGINT/SIGTERM: Apollo's own handlers would cut the graceful stop short.
    stopOnTerminationSignals: false,
    logger,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      ApolloServerPluginLandingPageDisabled(),
      // No field carries cache hints and the gateway asks for no traces: without them Apollo does not wrap every
      // resolver in per-field hooks.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
    ],
  });
  await apollo.start();
  graphql = apolloHandler(apollo, (req) => requestContext(req, options.verifier, logger, config.internalAuthSecret));
  const port = await listen(server, options.port, config.host);
  logger.info({ port }, `${options.name} subgraph listening on http://${config.host}:${port}/graphql`);
  return {
    server,
    port,
    url: `http://${config.host}:${port}/graphql`,
    async stop() {
      stopping = true;
      await apollo.stop();
      await closeServer(server);
    },
  };
}
