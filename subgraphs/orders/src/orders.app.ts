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
import { AdmissionGate } from '@limitedcart/common/admission';
import type { MessageBus, OutboxRelay } from '@limitedcart/common/messaging';
import { openServiceRuntime } from '@limitedcart/common/service-runtime';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parse } from 'graphql';
import type { Redis } from 'ioredis';
import { subscribeLiveUpdates } from './consumers/live-updates.consumer.ts';
import { subscribeProductEvents } from './consumers/product-events.consumer.ts';
import { subscribeSagaEvents } from './consumers/saga-events.consumer.ts';
import { ordersEntities } from './entities/index.ts';
import { ordersMigrations } from './migrations/index.ts';
import { ordersResolvers } from './resolvers/index.ts';
import { CartService } from './services/cart.service.ts';
import { CatalogService } from './services/catalog.service.ts';
import { restoreGateIfLost } from './services/gate-restore.ts';
import { ordersTopic } from './services/order-events.ts';
import { OrderPlacementService } from './services/order-placement.service.ts';
import { OrderSagaService } from './services/order-saga.service.ts';
import { OrderTransitions } from './services/order-transitions.ts';
import { OrderService } from './services/order.service.ts';

export const ORDERS_SDL = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

/** Test seams; production uses the defaults. */
export interface OrdersStartOptions {
  /** Default: KafkaMessageBus on config.kafkaBrokers. */
  bus?: MessageBus;
  /** Default: the users service's JWKS (config.jwksUrl). */
  verifier?: TokenVerifier;
  /** How long cart and placeOrder wait for a product not yet in the projection (default 2 s). */
  catalogArrivalWaitMs?: number;
}

export interface RunningOrders extends RunningService {
  port: number;
  orm: MikroORM;
  redis: Redis;
  gate: AdmissionGate;
  relay: OutboxRelay;
  catalog: CatalogService;
  cart: CartService;
  placement: OrderPlacementService;
  orders: OrderService;
  saga: OrderSagaService;
  /** orders.events with TOPIC_PREFIX applied. */
  topic: string;
}

/**
 * Migrates the orders database, restores the gate's order records if Redis lost them, then consumes products.events
 * (catalog projection), inventory.events and payments.events (the saga) and its own OrderStatusChanged (live updates
 * to Redis), publishes orders.events (outbox relay) and serves the subgraph.
 */
export async function startOrders(config: Config, logger: Logger, options: OrdersStartOptions = {}): Promise<RunningOrders> {
  const runtime = await openServiceRuntime({ name: 'orders', config, logger, entities: ordersEntities, migrations: ordersMigrations, ...(options.bus ? { bus: options.bus } : {}) });
  const { orm, redis, bus, relay } = runtime;
  const topic = ordersTopic(config.topicPrefix);
  const gate = new AdmissionGate(redis, config.redisPrefix);
  const catalog = new CatalogService({ orm, logger, ...(options.catalogArrivalWaitMs !== undefined ? { arrivalWaitMs: options.catalogArrivalWaitMs } : {}) });
  const cart = new CartService({ redis, catalog, redisPrefix: config.redisPrefix, ttlSeconds: config.cartTtlSeconds, storeCurrency: config.storeCurrency });
  const transitions = new OrderTransitions({ topic, logger });
  const placement = new OrderPlacementService({ orm, gate, catalog, cart, relay, topic });
  const orders = new OrderService({ orm, transitions });
  const saga = new OrderSagaService({ orm, transitions, gate, logger });
  try {
    await restoreGateIfLost(orm, gate, logger);
    await subscribeProductEvents(bus, config.topicPrefix, catalog);
    await subscribeSagaEvents(bus, config.topicPrefix, saga);
    await subscribeLiveUpdates(bus, config.topicPrefix, config.redisPrefix, redis);
    await runtime.startMessaging();
    const schema = buildSubgraphSchema([{ typeDefs: parse(ORDERS_SDL), resolvers: ordersResolvers({ cart, placement, orders }) }]);
    const server = await startSubgraphServer({
      name: 'orders',
      config,
      logger,
      schema,
      verifier: options.verifier ?? remoteTokenVerifier(config.jwksUrl),
      port: config.ports.orders,
      readiness: runtime.readiness,
    });
    return {
      url: server.url,
      port: server.port,
      orm,
      redis,
      gate,
      relay,
      catalog,
      cart,
      placement,
      orders,
      saga,
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
