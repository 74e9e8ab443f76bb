import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  apolloHandler,
  closeServer,
  CORRELATION_HEADER,
  createHttpServer,
  createRedis,
  formatError,
  healthRoutes,
  initMetrics,
  listen,
  redisReadiness,
  remoteTokenVerifier,
  sendJson,
  sendRequestError,
  SUBGRAPHS,
  type Config,
  type Logger,
  type ReadinessCheck,
  type RouteHandler,
  type ServiceModule,
  type SubgraphName,
  withCorrelationId,
} from '@limitedcart/common';
import type { FormattedExecutionResult, GraphQLSchema } from 'graphql';
import type { Redis } from 'ioredis';
import { RedisKeyValueCache } from './apq-cache.ts';
import { cacheResponseShapingOperations } from './operation-cache.ts';
import { gatewayContext, type GatewayContext } from './auth/gateway-context.ts';
import { subgraphReadiness } from './health.ts';
import { armorConfig, overLongHttpQuery, parseOptions, queryTooLongError } from './limits.ts';
import { ForwardingDataSource, subgraphClient, type SubgraphClient } from './subgraph-data-source.ts';
import { attachGraphQLWs, type GraphQLWsServer } from './subscriptions/graphql-ws-server.ts';
import { orderSubscriptions } from './subscriptions/order-subscription-source.ts';
import {
  type GatewayExecutor,
  type SubscriptionSource,
  type SubscriptionSourceFactory,
} from './subscriptions/subscription-source.ts';
import { schemaValidator } from './subscriptions/subscription-validator.ts';

/** The committed, composed supergraph (npm run compose). The gateway never introspects subgraphs. */
export const SUPERGRAPH_PATH = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));

/** How long an automatic persisted query stays in Redis after it was last registered. */
export const APQ_TTL_SECONDS = 24 * 3600;

export interface GatewayOptions {
  /** A supergraph to serve instead of schema/supergraph.graphql (tests compose one on the fly). */
  supergraphSdl?: string;
  /** Where subscriptions come from; by default order status from Redis pub/sub (subscriptions/order-subscription-source.ts). */
  subscriptions?: SubscriptionSourceFactory;
}

export interface Gateway {
  start(): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
  server: Server;
}

function readSupergraph(): string {
  try {
    return readFileSync(SUPERGRAPH_PATH, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the supergraph at ${SUPERGRAPH_PATH} (run npm run compose): ${(error as Error).message}`);
  }
}

function isSubgraphName(name: string): name is SubgraphName {
  return (SUBGRAPHS as readonly string[]).includes(name);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The client-facing gateway: Apollo Gateway over the committed supergraph, JWT verification before execution, limits,
 * APQ in Redis, graphql-ws on the same path, health and metrics. Nothing connects until start().
 */
export function createGateway(config: Config, logger: Logger, opts: GatewayOptions = {}): Gateway {
  initMetrics('gateway');
  cacheResponseShapingOperations();
  const supergraphSdl = opts.supergraphSdl ?? readSupergraph();

  let phase: 'created' | 'starting' | 'started' | 'stopping' | 'stopped' = 'created';
  let redis: Redis | undefined;
  let apollo: ApolloServer<GatewayContext> | undefined;
  let ws: GraphQLWsServer | undefined;
  let subscriptions: SubscriptionSource | undefined;
  const clients: SubgraphClient[] = [];
  /** The subgraphs this supergraph routes to (name → URL); each must be ready for the gateway to be ready. */
  const routed = new Map<string, string>();

  // The routes exist before Apollo does; the GraphQL handler is bound in start().
  let graphql: RouteHandler = (_req, res) => sendRequestError(res, 503, 'NOT_READY', 'The gateway is not running');
  const delegate: RouteHandler = (req, res, body) => {
    if (phase === 'stopping' || phase === 'stopped') {
      // A request on a kept-alive connection while draining: refuse it so the client retries on another replica.
      res.setHeader('connection', 'close');
      return sendRequestError(res, 503, 'SERVICE_UNAVAILABLE', 'The gateway is shutting down');
    }
    return graphql(req, res, body);
  };
  const checks = (): ReadinessCheck[] => [
    ...(redis ? [redisReadiness(redis)] : []),
    ...[...routed].map(([name, url]) => subgraphReadiness(name, url)),
  ];
  const server = createHttpServer({
    logger,
    routes: [
      ...healthRoutes(checks, () => phase !== 'started'),
      { method: 'POST', path: '/graphql', handler: delegate },
      { method: 'GET', path: '/graphql', handler: delegate },
    ],
  });

  const buildService = ({ name, url }: { name: string; url?: string }) => {
    // Config wins over the supergraph's routing URL, so one committed supergraph serves every environment.
    const target = isSubgraphName(name) ? config.subgraphUrls[name] : url;
    if (!target) throw new Error(`no URL for subgraph ${name}: set ${name.toUpperCase()}_URL`);
    routed.set(name, target);
    const client = subgraphClient(target);
    clients.push(client);
    return new ForwardingDataSource({ client, internalAuthSecret: config.internalAuthSecret });
  };

  async function start(): Promise<{ url: string; port: number }> {
    if (phase !== 'created') throw new Error(`gateway cannot start: it is ${phase}`);
    phase = 'starting';
    try {
      return await startServing();
    } catch (error) {
      await stop().catch((stopError: unknown) => logger.error({ err: stopError }, 'cleanup after a failed start failed'));
      throw error;
    }
  }

  async function startServing(): Promise<{ url: string; port: number }> {
    redis = createRedis(config, 'gateway');
    let lastRedisError = 0;
    redis.on('error', (error) => {
      // ioredis retries on its own; log at most every 10 s instead of once per retry.
      if (Date.now() - lastRedisError > 10_000) logger.warn({ err: error }, 'Redis connection error');
      lastRedisError = Date.now();
    });
    const verifier = remoteTokenVerifier(config.jwksUrl);
    const gateway = new ApolloGateway({ supergraphSdl, buildService, logger });
    let apiSchema: GraphQLSchema | undefined;
    gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
      apiSchema = schema;
    });
    const armor = new ApolloArmor(armorConfig(config.production)).protect();
    const instance = new ApolloServer<GatewayContext>({
      gateway,
      cache: new RedisKeyValueCache(redis, config.redisPrefix, logger),
      persistedQueries: { ttl: APQ_TTL_SECONDS },
      formatError: formatError(config.production),
      includeStacktraceInErrorResponses: false,
      introspection: !config.production,
      hideSchemaDetailsFromClientErrors: config.production,
      csrfPrevention: true,
      allowBatchedHttpRequests: false,
      parseOptions,
      validationRules: armor.validationRules,
      // runMain owns SIGINT/SIGTERM: Apollo's own handler would re-raise the signal and cut the drain short.
      stopOnTerminationSignals: false,
      logger,
      plugins: [
        // armor's plugins only read the request's source and errors, never the context.
        ...(armor.plugins as ApolloServerPlugin<GatewayContext>[]),
        // No subgraph sends cache hints: no cache policy to compute per request.
        ApolloServerPluginCacheControlDisabled(),
        config.production
          ? ApolloServerPluginLandingPageDisabled()
          : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
      ],
    });
    apollo = instance;
    await instance.start();

    const handler = apolloHandler(instance, (req: IncomingMessage) =>
      gatewayContext(headerValue(req.headers.authorization), String(req.headers[CORRELATION_HEADER]), verifier, logger),
    );
    graphql = (req, res, body) => {
      const length = overLongHttpQuery(req, body);
      if (length === undefined) return handler(req, res, body);
      const error = queryTooLongError(length);
      return sendJson(res, 400, { errors: [{ message: error.message, extensions: { code: error.extensions.code } }] });
    };

    const execute: GatewayExecutor = async (request, contextValue) => {
      // Socket operations have no HTTP request scope: give their logs the operation's correlation id.
      const response = await withCorrelationId(contextValue.correlationId, () => instance.executeOperation(request, { contextValue }));
      if (response.body.kind === 'single') return response.body.singleResult;
      return { errors: [{ message: 'Incremental delivery (@defer/@stream) is not supported here', extensions: { code: 'BAD_REQUEST' } }] } satisfies FormattedExecutionResult;
    };
    const validate = schemaValidator(() => apiSchema, armor.validationRules, config.production);
    subscriptions = (opts.subscriptions ?? orderSubscriptions)({ config, logger, execute, validate });
    ws = attachGraphQLWs({
      server,
      path: '/graphql',
      logger,
      production: config.production,
      verifier,
      execute,
      subscriptions,
      schema: () => {
        if (!apiSchema) throw new Error('the gateway has no schema loaded');
        return apiSchema;
      },
    });

    const port = await listen(server, config.ports.gateway, config.host);
    phase = 'started';
    const url = `http://${config.host}:${port}/graphql`;
    logger.info({ port, subgraphs: Object.fromEntries(routed) }, `gateway listening on ${url}`);
    return { url, port };
  }

  async function stop(): Promise<void> {
    if (phase === 'stopping' || phase === 'stopped') return;
    phase = 'stopping'; // /health/ready answers 503 from here on
    // Drain HTTP (in-flight requests finish; new connections are refused) while websocket clients are told to go.
    const httpClosed = closeServer(server);
    // A kept-alive connection goes idle only once its in-flight response is sent: close those as they free up
    // instead of waiting for the grace period.
    const idleSweep = setInterval(() => server.closeIdleConnections(), 50);
    await ws?.close();
    await subscriptions?.close();
    await httpClosed;
    clearInterval(idleSweep);
    await apollo?.stop().catch((error: unknown) => logger.warn({ err: error }, 'Apollo did not stop cleanly'));
    for (const client of clients) client.close();
    if (redis) await redis.quit().catch(() => redis?.disconnect());
    phase = 'stopped';
  }

  return { start, stop, server };
}

/** The gateway as a service module: main.ts and the test harness start it like any subgraph. */
export const gatewayService: ServiceModule = {
  name: 'gateway',
  async start(config, logger) {
    const gateway = createGateway(config, logger);
    const { url } = await gateway.start();
    return { url, stop: () => gateway.stop() };
  },
};
