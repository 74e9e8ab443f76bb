import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  remoteTokenVerifier,
  startSubgraphServer,
  type Config,
  type Logger,
  type RunningService,
  type TokenVerifier,
} from '@limitedcart/common';
import { openServiceRuntime } from '@limitedcart/common/service-runtime';
import { PRODUCTS_TOPIC } from '@limitedcart/common/events/product-events';
import type { MessageBus, OutboxRelay } from '@limitedcart/common/messaging';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parse } from 'graphql';
import type { Redis } from 'ioredis';
import { productsEntities } from './entities/index.ts';
import { productsMigrations } from './migrations/index.ts';
import { productsResolvers } from './resolvers/index.ts';
import { CategoryService } from './services/category.service.ts';
import { ProductCache } from './services/product-cache.ts';
import { ProductQueryService } from './services/product-query.service.ts';
import { ProductService } from './services/product.service.ts';

export const PRODUCTS_SDL = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

/** Test seams; production uses the defaults. */
export interface ProductsStartOptions {
  /** Default: KafkaMessageBus on config.kafkaBrokers. */
  bus?: MessageBus;
  /** Default: the users service's JWKS (config.jwksUrl). */
  verifier?: TokenVerifier;
}

/** What start() hands back beyond RunningService, for tests and tooling in this package. */
export interface RunningProducts extends RunningService {
  port: number;
  orm: MikroORM;
  redis: Redis;
  relay: OutboxRelay;
  cache: ProductCache;
  products: ProductService;
  queries: ProductQueryService;
  categories: CategoryService;
  /** Full name of the events topic (TOPIC_PREFIX applied). */
  topic: string;
}

/**
 * Migrates the products database, starts the outbox relay (publishing products.events) and serves the subgraph.
 * stop(): HTTP first (draining requests), then the relay (flushing what is committed), the bus, Redis, the pool.
 */
export async function startProducts(config: Config, logger: Logger, options: ProductsStartOptions = {}): Promise<RunningProducts> {
  const runtime = await openServiceRuntime({ name: 'products', config, logger, entities: productsEntities, migrations: productsMigrations, ...(options.bus ? { bus: options.bus } : {}) });
  const { orm, redis, relay } = runtime;
  try {
    const topic = `${config.topicPrefix}${PRODUCTS_TOPIC}`;
    const cache = new ProductCache(redis, config.redisPrefix, logger);
    const products = new ProductService({ orm, cache, topic, currency: config.storeCurrency });
    const queries = new ProductQueryService(orm);
    const categories = new CategoryService(orm);
    await runtime.startMessaging();
    const schema = buildSubgraphSchema([{ typeDefs: parse(PRODUCTS_SDL), resolvers: productsResolvers({ products, queries, categories }) }]);
    const server = await startSubgraphServer({
      name: 'products',
      config,
      logger,
      schema,
      verifier: options.verifier ?? remoteTokenVerifier(config.jwksUrl),
      port: config.ports.products,
      readiness: runtime.readiness,
    });
    return {
      url: server.url,
      port: server.port,
      orm,
      redis,
      relay,
      cache,
      products,
      queries,
      categories,
      topic,
      async stop() {
        await server.stop();
        await runtime.close();
      },
    };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
