// Starts ONE stack for every e2e file (its own databases, topics, Redis prefix and ports, so a dev stack can keep
// running), and removes its databases afterwards. E2E_GATEWAY_URL points the tests at a stack that already runs instead.
import { createWriteStream, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../common/src/config.ts';
import { ensureKafka } from '../../infra/kafka/broker.ts';
import { checkPrerequisites } from '../../scripts/lib/prerequisites.ts';
import { REPO_ROOT, startStack, type Stack } from '../../scripts/lib/stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    gatewayUrl: string;
    adminEmail: string;
    adminPassword: string;
    runId: string;
  }
}

const ADMIN_EMAIL = 'admin@e2e.limitedcart.test';
const ADMIN_PASSWORD = 'e2e-admin-password';

let stack: Stack | undefined;
let dbPrefix: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const runId = randomBytes(4).toString('hex');
  project.provide('runId', runId);
  project.provide('adminEmail', process.env.E2E_ADMIN_EMAIL ?? ADMIN_EMAIL);
  project.provide('adminPassword', process.env.E2E_ADMIN_PASSWORD ?? ADMIN_PASSWORD);
  if (process.env.E2E_GATEWAY_URL) {
    project.provide('gatewayUrl', process.env.E2E_GATEWAY_URL);
    return;
  }
  dbPrefix = `lc_e2e_${runId}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'info',
    DB_PREFIX: dbPrefix,
    TOPIC_PREFIX: `e2e-${runId}.`,
    REDIS_PREFIX: `lc:e2e:${runId}:`,
    GATEWAY_PORT: '4100',
    USERS_PORT: '4101',
    PRODUCTS_PORT: '4102',
    INVENTORY_PORT: '4103',
    ORDERS_PORT: '4104',
    PAYMENTS_PORT: '4105',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PAYMENT_PROVIDER_DELAY_MS: '300',
  };
  const config = loadConfig({ ...process.env, ...env });
  await checkPrerequisites(config);
  await ensureKafka({ brokers: config.kafkaBrokers.join(',') });
  mkdirSync(`${REPO_ROOT}tests/e2e/.logs`, { recursive: true });
  const logFile = `${REPO_ROOT}tests/e2e/.logs/stack.log`;
  const out = createWriteStream(logFile);
  const t0 = performance.now();
  stack = await startStack({ env, log: (line) => out.write(`${line}\n`), readyTimeoutMs: 90_000 });
  process.stdout.write(`e2e: stack (${stack.services.join(', ')}) ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; logs in ${logFile}\n`);
  project.provide('gatewayUrl', stack.gatewayUrl);
}

export async function teardown(): Promise<void> {
  await stack?.stop();
  if (!dbPrefix) return;
  const config = loadConfig();
  const client = new pg.Client({ connectionString: config.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${dbPrefix}\\_%`]);
    for (const { datname } of rows) await client.query(`drop database if exists "${datname}" with (force)`);
  } finally {
    await client.end();
  }
}
