// Starts ONE stack for every e2e file (its own databases, topics, Redis prefix and ports, so a dev stack can keep
// running), and removes its databases afterwards. E2E_GATEWAY_URL points the tests at a stack that already runs instead.
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
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
    /** The stack's environment (a test may start a second gateway process on it). */
    stackEnv: Record<string, string>;
    /** Where crash tests ask the stack to kill or restart one service ('' when the stack is not ours). */
    controlUrl: string;
  }
}

const ADMIN_EMAIL = 'admin@e2e.limitedcart.test';
const ADMIN_PASSWORD = 'e2e-admin-password';

let stack: Stack | undefined;
let dbPrefix: string | undefined;
let control: Server | undefined;

/**
 * Crash tests run in test workers while the stack's processes belong to this one: POST /kill/<service>?signal=SIGKILL
 * and POST /restart/<service> (answers once the service exited / is ready again), on 127.0.0.1 only.
 */
async function startControl(target: Stack): Promise<string> {
  control = createServer((req, res) => {
    const match = /^\/(kill|restart)\/([a-z]+)/.exec(req.url ?? '');
    const name = match?.[2] as Stack['services'][number] | undefined;
    if (req.method !== 'POST' || !match || !name || !target.services.includes(name)) {
      res.writeHead(404).end();
      return;
    }
    const signal = (new URL(req.url!, 'http://x').searchParams.get('signal') ?? 'SIGKILL') as NodeJS.Signals;
    const action = match[1] === 'kill' ? target.kill(name, signal) : target.restart(name);
    action.then(
      () => res.writeHead(204).end(),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => control!.listen(0, '127.0.0.1', resolve));
  const address = control.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

export async function setup(project: TestProject): Promise<void> {
  const runId = randomBytes(4).toString('hex');
  project.provide('runId', runId);
  project.provide('adminEmail', process.env.E2E_ADMIN_EMAIL ?? ADMIN_EMAIL);
  project.provide('adminPassword', process.env.E2E_ADMIN_PASSWORD ?? ADMIN_PASSWORD);
  if (process.env.E2E_GATEWAY_URL) {
    project.provide('gatewayUrl', process.env.E2E_GATEWAY_URL);
    project.provide('stackEnv', {});
    project.provide('controlUrl', '');
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
    // Short enough for the expiry paths (the drop, expiry e2e) to finish quickly, long enough to outlast a crashed and
    // restarted service in the crash tests (restart + the group noticing the dead member).
    PAYMENT_WINDOW_SECONDS: '20',
    // Crash tests SIGKILL services: their consumer-group members must be given up on quickly.
    KAFKA_SESSION_TIMEOUT_MS: '6000',
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
  project.provide('stackEnv', env);
  project.provide('controlUrl', await startControl(stack));
}

export async function teardown(): Promise<void> {
  await new Promise((resolve) => (control ? control.close(resolve) : resolve(undefined)));
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
