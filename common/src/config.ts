import { z } from 'zod';

/** The names of the six processes; each subgraph has its own port and its own database. */
export const SUBGRAPHS = ['users', 'products', 'inventory', 'orders', 'payments'] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];
export type ServiceName = SubgraphName | 'gateway';

const DEV_WEBHOOK_SECRET = 'whsec_dev_limitedcart_not_for_production';
const DEV_INTERNAL_AUTH_SECRET = 'internal_dev_limitedcart_not_for_production';

// 0 asks the OS for a free port (tests).
const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a ${protocols.join(' or ')} URL`);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/postgres'),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((value) => value.split(',').map((b) => b.trim()).filter(Boolean))
    .refine((list) => list.length > 0 && list.every((b) => /^[^\s:]+:\d+$/.test(b)), 'must be host:port[,host:port…]'),
  /** How long a consumer that stopped heartbeating (a crashed process) keeps its partitions; 6,000–300,000 ms. */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(30_000),
  HOST: z.string().default('127.0.0.1'),
  GATEWAY_PORT: port.default(4000),
  USERS_PORT: port.default(4001),
  PRODUCTS_PORT: port.default(4002),
  INVENTORY_PORT: port.default(4003),
  ORDERS_PORT: port.default(4004),
  PAYMENTS_PORT: port.default(4005),
  /** Optional override per subgraph: where the gateway routes it (default http://127.0.0.1:<port>/graphql). */
  USERS_URL: url(['http:', 'https:']).optional(),
  PRODUCTS_URL: url(['http:', 'https:']).optional(),
  INVENTORY_URL: url(['http:', 'https:']).optional(),
  ORDERS_URL: url(['http:', 'https:']).optional(),
  PAYMENTS_URL: url(['http:', 'https:']).optional(),
  ADMIN_EMAIL: z.string().trim().toLowerCase().pipe(z.email()).optional(),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  PAYMENT_WINDOW_SECONDS: positiveInt.default(600),
  CART_TTL_SECONDS: positiveInt.default(3600),
  PAYMENT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').default(DEV_WEBHOOK_SECRET),
  PAYMENT_PROVIDER_DELAY_MS: z.coerce.number().int().min(0).default(1000),
  /** HMAC key the gateway and the subgraphs share: the gateway's proof that it verified a token (auth/gateway-proof.ts). */
  INTERNAL_AUTH_SECRET: z.string().min(16, 'must be at least 16 characters').default(DEV_INTERNAL_AUTH_SECRET),
  STORE_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').default('USD'),
  /** Access-token lifetime. */
  JWT_TTL_SECONDS: positiveInt.default(900),
  REFRESH_TTL_SECONDS: positiveInt.default(30 * 24 * 3600),
  /** Optional signing key for users (a private JWK as JSON); generated and stored in users' database when absent. */
  JWT_PRIVATE_JWK: z.string().optional(),
  /** Where every service fetches the public keys that verify access tokens. */
  JWKS_URL: url(['http:', 'https:']).optional(),
  /** Database name prefix, so tests and parallel stacks can keep their own databases on one server. */
  DB_PREFIX: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case identifier').default('limitedcart'),
  /** Kafka topic prefix, for the same reason. Empty in normal use. */
  TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/).default(''),
  /** Redis key prefix, for the same reason. */
  REDIS_PREFIX: z.string().default('lc:'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  nodeEnv: Env['NODE_ENV'];
  production: boolean;
  logLevel: Env['LOG_LEVEL'];
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  kafkaSessionTimeoutMs: number;
  host: string;
  ports: Record<ServiceName, number>;
  subgraphUrls: Record<SubgraphName, string>;
  jwksUrl: string;
  admin: { email: string; password: string } | null;
  paymentWindowSeconds: number;
  cartTtlSeconds: number;
  paymentWebhookSecret: string;
  paymentProviderDelayMs: number;
  internalAuthSecret: string;
  storeCurrency: string;
  jwtTtlSeconds: number;
  refreshTtlSeconds: number;
  jwtPrivateJwk: string | undefined;
  dbPrefix: string;
  topicPrefix: string;
  redisPrefix: string;
}

/** A bad environment variable: the message names it, and never echoes its value (it may be a secret). */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the environment once; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(stripEmpty(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if ((e.ADMIN_EMAIL === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('invalid configuration:\n  ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  if (production) {
    const missing = [];
    if (!e.ADMIN_EMAIL) missing.push('ADMIN_EMAIL', 'ADMIN_PASSWORD');
    if (e.PAYMENT_WEBHOOK_SECRET === DEV_WEBHOOK_SECRET) missing.push('PAYMENT_WEBHOOK_SECRET');
    if (e.INTERNAL_AUTH_SECRET === DEV_INTERNAL_AUTH_SECRET) missing.push('INTERNAL_AUTH_SECRET');
    if (missing.length) {
      throw new ConfigError(`invalid configuration:\n  ${missing.join(', ')}: required with NODE_ENV=production`);
    }
  }
  const ports: Record<ServiceName, number> = {
    gateway: e.GATEWAY_PORT,
    users: e.USERS_PORT,
    products: e.PRODUCTS_PORT,
    inventory: e.INVENTORY_PORT,
    orders: e.ORDERS_PORT,
    payments: e.PAYMENTS_PORT,
  };
  const local = (name: SubgraphName) => `http://127.0.0.1:${ports[name]}/graphql`;
  return {
    nodeEnv: e.NODE_ENV,
    production,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    kafkaBrokers: e.KAFKA_BROKERS,
    kafkaSessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
    host: e.HOST,
    ports,
    subgraphUrls: {
      users: e.USERS_URL ?? local('users'),
      products: e.PRODUCTS_URL ?? local('products'),
      inventory: e.INVENTORY_URL ?? local('inventory'),
      orders: e.ORDERS_URL ?? local('orders'),
      payments: e.PAYMENTS_URL ?? local('payments'),
    },
    jwksUrl: e.JWKS_URL ?? `${new URL(e.USERS_URL ?? local('users')).origin}/.well-known/jwks.json`,
    admin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD } : null,
    paymentWindowSeconds: e.PAYMENT_WINDOW_SECONDS,
    cartTtlSeconds: e.CART_TTL_SECONDS,
    paymentWebhookSecret: e.PAYMENT_WEBHOOK_SECRET,
    paymentProviderDelayMs: e.PAYMENT_PROVIDER_DELAY_MS,
    internalAuthSecret: e.INTERNAL_AUTH_SECRET,
    storeCurrency: e.STORE_CURRENCY,
    jwtTtlSeconds: e.JWT_TTL_SECONDS,
    refreshTtlSeconds: e.REFRESH_TTL_SECONDS,
    jwtPrivateJwk: e.JWT_PRIVATE_JWK,
    dbPrefix: e.DB_PREFIX,
    topicPrefix: e.TOPIC_PREFIX,
    redisPrefix: e.REDIS_PREFIX,
  };
}

/** The database a service owns on the shared server. */
export function databaseName(config: Config, service: SubgraphName): string {
  return `${config.dbPrefix}_${service}`;
}

/** `FOO=` in a shell means "not set", not "set to the empty string". */
function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') out[key] = value;
  return out;
}
