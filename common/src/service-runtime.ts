import type { MikroORM } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import type { Config, SubgraphName } from './config.ts';
import { databaseName } from './config.ts';
import { createOrm, type EntityDef, type MigrationDef } from './db/index.ts';
import type { ReadinessCheck } from './http/health.ts';
import type { Logger } from './logger.ts';
import { KafkaMessageBus } from './messaging/kafka-message-bus.ts';
import type { MessageBus } from './messaging/message-bus.ts';
import { OutboxRelay } from './messaging/outbox-relay.ts';
import { createRedis, redisReadiness } from './redis.ts';

export interface ServiceRuntimeOptions {
  name: SubgraphName;
  config: Config;
  logger: Logger;
  entities: readonly EntityDef[];
  migrations: readonly MigrationDef[];
  /** Default: KafkaMessageBus on config.kafkaBrokers (tests pass a MemoryMessageBus or their own). */
  bus?: MessageBus;
}

/** What an event-driven subgraph stands on: its migrated database, Redis, the message bus and its outbox relay. */
export interface ServiceRuntime {
  orm: MikroORM;
  redis: Redis;
  bus: MessageBus;
  relay: OutboxRelay;
  /** Its own dependencies, for /health/ready. */
  readiness: ReadinessCheck[];
  /** Starts the bus (consumers subscribed before this call join their groups) and then the relay. */
  startMessaging(): Promise<void>;
  /** Flushes the relay while the bus can still publish, then stops the bus, Redis and the pool. Safe at any point. */
  close(): Promise<void>;
}

export function postgresReadiness(orm: MikroORM): ReadinessCheck {
  return { name: 'postgres', check: async () => void (await orm.em.getConnection().execute('select 1')) };
}

export async function openServiceRuntime(options: ServiceRuntimeOptions): Promise<ServiceRuntime> {
  const { config, logger, name } = options;
  const orm = await createOrm({
    serverUrl: config.databaseUrl,
    dbName: databaseName(config, name),
    entities: options.entities,
    migrations: options.migrations,
    logger,
    debug: logger.isLevelEnabled('debug'),
  });
  const redis = createRedis(config, name);
  const bus = options.bus ?? new KafkaMessageBus({
      brokers: config.kafkaBrokers,
      clientId: name,
      logger,
      sessionTimeoutMs: config.kafkaSessionTimeoutMs,
      heartbeatIntervalMs: Math.min(3_000, Math.floor(config.kafkaSessionTimeoutMs / 3)),
    });
  const relay = new OutboxRelay({ orm, bus, logger });
  let busStarted = false;
  let relayStarted = false;
  return {
    orm,
    redis,
    bus,
    relay,
    readiness: [postgresReadiness(orm), redisReadiness(redis)],
    async startMessaging() {
      await bus.start();
      busStarted = true;
      await relay.start();
      relayStarted = true;
    },
    async close() {
      if (relayStarted) await relay.stop().catch((err: unknown) => logger.error({ err }, 'outbox relay did not stop cleanly'));
      if (busStarted) await bus.stop().catch((err: unknown) => logger.error({ err }, 'message bus did not stop cleanly'));
      await redis.quit().catch(() => redis.disconnect());
      await orm.close();
    },
  };
}
