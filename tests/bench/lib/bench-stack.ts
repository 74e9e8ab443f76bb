// The stack a benchmark measures: its own (ports 4200–4205, its own databases, topics and Redis prefix, all dropped
// at the end, and a local Kafka if none answers), or one already running (--url), which it only reads and writes
// through its public endpoints.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { fixKafkajsIdleTimer } from '../../../common/src/messaging/kafkajs-idle-timer.ts';
import pg from 'pg';
import { databaseName, loadConfig, type Config, type ServiceName } from '../../../common/src/config.ts';
import { databaseUrlFor } from '../../../common/src/db/database-url.ts';
import { ensureKafka } from '../../../infra/kafka/broker.ts';
import { startStack } from '../../../scripts/lib/stack.ts';

// Every kafkajs client of this process (kafkajs-idle-timer.ts): no 1 ms wake-ups, no TimeoutNegativeWarning.
fixKafkajsIdleTimer();

export interface BenchStack {
  config: Config;
  gatewayUrl: string;
  /** A subgraph's own /graphql, for the baselines that skip the gateway. */
  subgraphUrl(name: Exclude<ServiceName, 'gateway'>): string;
  /** Process ids of the services, when this run started them (resident memory is read from /proc). */
  pids(): Partial<Record<ServiceName, number>>;
  admin: { email: string; password: string };
  /** Where this run's stack lives, for the report. */
  describe: string;
  /** Own stack only: users' database and signing key, so customers can be prepared without the API (prepared-customers.ts). */
  users?: UsersInternals;
  stop(): Promise<void>;
}

export interface UsersInternals {
  databaseUrl: string;
  /** The P-256 private JWK users signs with (its JWT_PRIVATE_JWK). */
  privateJwk: string;
  tokenTtlSeconds: number;
}

export const OWN_PORTS = { GATEWAY_PORT: '4200', USERS_PORT: '4201', PRODUCTS_PORT: '4202', INVENTORY_PORT: '4203', ORDERS_PORT: '4204', PAYMENTS_PORT: '4205' };

export async function openBenchStack(opts: { url?: string; env?: Record<string, string>; log?: (line: string) => void }): Promise<BenchStack> {
  if (opts.url) {
    const config = loadConfig(process.env);
    if (!config.admin) throw new Error('--url needs ADMIN_EMAIL and ADMIN_PASSWORD of that stack in the environment');
    return {
      config,
      gatewayUrl: opts.url,
      subgraphUrl: (name) => `http://127.0.0.1:${config.ports[name]}/graphql`,
      pids: () => ({}),
      admin: config.admin,
      describe: `running stack at ${opts.url}`,
      stop: async () => undefined,
    };
  }

  const run = randomBytes(4).toString('hex');
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DB_PREFIX: `lc_bench_${run}`,
    TOPIC_PREFIX: `bench-${run}.`,
    REDIS_PREFIX: `lc:bench:${run}:`,
    ...OWN_PORTS,
    ADMIN_EMAIL: 'admin@bench.limitedcart.test',
    ADMIN_PASSWORD: 'bench-admin-password',
    // This run's signing key, known to the bench so it can mint customers' tokens; and tokens that outlive a long run.
    JWT_PRIVATE_JWK: JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })),
    JWT_TTL_SECONDS: '3600',
    ...opts.env,
  };
  const config = loadConfig({ ...process.env, ...env });
  await ensureKafka({ brokers: config.kafkaBrokers.join(',') });
  const stackLog: string[] = [];
  const stack = await startStack({
    env,
    log: (line) => {
      stackLog.push(line);
      if (stackLog.length > 200) stackLog.shift();
      opts.log?.(line);
    },
    readyTimeoutMs: 90_000,
  }).catch((error: unknown) => {
    console.error(stackLog.slice(-40).join('\n'));
    throw error;
  });

  return {
    config,
    gatewayUrl: stack.gatewayUrl,
    subgraphUrl: (name) => `http://127.0.0.1:${config.ports[name]}/graphql`,
    pids: () => Object.fromEntries(stack.services.map((s) => [s, stack.pid(s)]).filter(([, pid]) => pid !== undefined)),
    admin: config.admin!,
    describe: `own stack on 127.0.0.1:4200–4205 (prefix ${env.DB_PREFIX})`,
    users: {
      databaseUrl: databaseUrlFor(config.databaseUrl, databaseName(config, 'users')),
      privateJwk: config.jwtPrivateJwk!,
      tokenTtlSeconds: config.jwtTtlSeconds,
    },
    async stop() {
      await stack.stop();
      await Promise.all([dropDatabases(config.databaseUrl, env.DB_PREFIX!), dropKeys(config.redisUrl, env.REDIS_PREFIX!), dropTopics(config.kafkaBrokers, env.TOPIC_PREFIX!)]);
    },
  };
}

async function dropKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function dropTopics(brokers: string[], prefix: string): Promise<void> {
  const admin = new Kafka({ brokers, clientId: 'bench-cleanup', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}

async function dropDatabases(databaseUrl: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${prefix}\\_%`]);
    for (const { datname } of rows) await client.query(`drop database if exists "${datname}" with (force)`);
  } finally {
    await client.end();
  }
}
