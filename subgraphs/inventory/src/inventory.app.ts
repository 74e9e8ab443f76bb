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
import { openServiceRuntime } from '@limitedcart/common/service-runtime';
import type { MessageBus, OutboxRelay } from '@limitedcart/common/messaging';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parse } from 'graphql';
import type { Redis } from 'ioredis';
import { subscribeOrderEvents } from './consumers/order-events.consumer.ts';
import { subscribeProductEvents } from './consumers/product-events.consumer.ts';
import { inventoryEntities } from './entities/index.ts';
import { inventoryMigrations } from './migrations/index.ts';
import { inventoryResolvers } from './resolvers/index.ts';
import { GateSync } from './services/gate-sync.ts';
import { HoldExpirySweeper } from './services/hold-expiry.sweeper.ts';
import { HoldService } from './services/hold.service.ts';
import { inventoryTopic } from './services/inventory-events.ts';
import { StockService } from './services/stock.service.ts';

export const INVENTORY_SDL = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

/** Test seams and tuning; production uses the defaults. */
export interface InventoryStartOptions {
  /** Default: KafkaMessageBus on config.kafkaBrokers. */
  bus?: MessageBus;
  /** Default: the users service's JWKS (config.jwksUrl). */
  verifier?: TokenVerifier;
  /** Gate reconcile period (default 30 s). */
  reconcileIntervalMs?: number;
  /** Expiry sweep period when idle (default 1 s). */
  sweepIntervalMs?: number;
  /** How long restock waits for a product's ProductCreated (default 3 s). */
  restockWaitMs?: number;
}

export interface RunningInventory extends RunningService {
  port: number;
  orm: MikroORM;
  redis: Redis;
  gate: AdmissionGate;
  holds: HoldService;
  stock: StockService;
  sweeper: HoldExpirySweeper;
  gateSync: GateSync;
  relay: OutboxRelay;
  /** inventory.events with TOPIC_PREFIX applied. */
  topic: string;
}

/**
 * Migrates the inventory database, sets the gate's tokens from PostgreSQL, then consumes orders.events and
 * products.events, publishes inventory.events (outbox relay), sweeps lapsed holds, reconciles the gate periodically
 * and serves the subgraph. stop(): HTTP, consumers, sweeper and reconcile, relay (flushing), Redis, the pool.
 */
export async function startInventory(config: Config, logger: Logger, options: InventoryStartOptions = {}): Promise<RunningInventory> {
  const runtime = await openServiceRuntime({ name: 'inventory', config, logger, entities: inventoryEntities, migrations: inventoryMigrations, ...(options.bus ? { bus: options.bus } : {}) });
  const { orm, redis, bus, relay } = runtime;
  const topic = inventoryTopic(config.topicPrefix);
  const gate = new AdmissionGate(redis, config.redisPrefix);
  const holds = new HoldService({ orm, gate, logger, topic, paymentWindowSeconds: config.paymentWindowSeconds });
  const stock = new StockService({ orm, gate, logger, ...(options.restockWaitMs !== undefined ? { restockWaitMs: options.restockWaitMs } : {}) });
  const sweeper = new HoldExpirySweeper({ orm, gate, logger, topic, ...(options.sweepIntervalMs !== undefined ? { intervalMs: options.sweepIntervalMs } : {}) });
  const gateSync = new GateSync({ orm, gate, logger, ...(options.reconcileIntervalMs !== undefined ? { intervalMs: options.reconcileIntervalMs } : {}) });
  try {
    // Tokens first: orders may admit against them as soon as they exist.
    await gateSync.reconcileNow();
    await subscribeOrderEvents(bus, config.topicPrefix, holds);
    await subscribeProductEvents(bus, config.topicPrefix, stock);
    await runtime.startMessaging();
    sweeper.start();
    gateSync.start();
    const schema = buildSubgraphSchema([{ typeDefs: parse(INVENTORY_SDL), resolvers: inventoryResolvers(stock) }]);
    const server = await startSubgraphServer({
      name: 'inventory',
      config,
      logger,
      schema,
      verifier: options.verifier ?? remoteTokenVerifier(config.jwksUrl),
      port: config.ports.inventory,
      readiness: runtime.readiness,
    });
    return {
      url: server.url,
      port: server.port,
      orm,
      redis,
      gate,
      holds,
      stock,
      sweeper,
      gateSync,
      relay,
      topic,
      async stop() {
        await server.stop();
        await sweeper.stop();
        await gateSync.stop();
        // The relay flushes while the bus can still publish (runtime.close stops the relay before the bus).
        await runtime.close();
      },
    };
  } catch (error) {
    await sweeper.stop().catch(() => undefined);
    await gateSync.stop().catch(() => undefined);
    await runtime.close();
    throw error;
  }
}
