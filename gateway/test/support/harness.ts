import { randomUUID } from 'node:crypto';
import { createLogger, createRedis, loadConfig, type Config } from '@limitedcart/common';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway.ts';
import { composeSupergraph, FAKE_SUBGRAPH_SDL, startFakeSubgraph, type FakeSubgraph } from './fake-subgraph.ts';
import { startTestJwks, type TestJwks } from './test-tokens.ts';

export interface Harness {
  config: Config;
  gateway: Gateway;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  origin: string;
  subgraph: FakeSubgraph;
  jwks: TestJwks;
  stop(): Promise<void>;
}

/**
 * A gateway on port 0 over one fake subgraph, with its own JWKS and its own Redis key prefix (removed on stop), so
 * test files can run in parallel.
 */
export async function startHarness(env: Record<string, string> = {}, options: GatewayOptions = {}): Promise<Harness> {
  const logger = createLogger('gateway-test', process.env.TEST_LOG_LEVEL ?? 'silent');
  const jwks = await startTestJwks();
  const subgraph = await startFakeSubgraph(logger);
  const loaded = loadConfig({
    NODE_ENV: 'test',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `test:gateway:${randomUUID().slice(0, 8)}:`,
    USERS_URL: subgraph.url,
    JWKS_URL: jwks.url,
    ...env,
  });
  const config: Config = { ...loaded, ports: { ...loaded.ports, gateway: 0 } };
  const gateway = createGateway(config, logger, {
    supergraphSdl: composeSupergraph('users', FAKE_SUBGRAPH_SDL, 'http://routing-url-from-the-supergraph.invalid/graphql'),
    ...options,
  });
  const { url } = await gateway.start();
  return {
    config,
    gateway,
    url,
    origin: new URL(url).origin,
    subgraph,
    jwks,
    async stop() {
      await gateway.stop();
      await subgraph.close();
      await jwks.close();
      const redis = createRedis(config, 'gateway-test-cleanup');
      try {
        const keys = await redis.keys(`${config.redisPrefix}*`);
        if (keys.length) await redis.del(...keys);
      } finally {
        await redis.quit();
      }
    },
  };
}

export interface GraphQLResponse {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** POSTs an operation as a browser-less client would (JSON, so CSRF prevention lets it through). */
export async function postGraphQL(
  url: string,
  request: { query?: string; variables?: Record<string, unknown>; operationName?: string; extensions?: Record<string, unknown> },
  headers: Record<string, string> = {},
): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse['body'] };
}
