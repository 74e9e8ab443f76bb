// `npm start`: checks PostgreSQL and Redis, starts a local Kafka when none answers, then runs the gateway and every
// subgraph as its own process with prefixed logs. Ctrl-C stops everything cleanly (and the Kafka it started).
import { ConfigError, loadConfig } from '../common/src/config.ts';
import { ensureKafka, stopKafka } from '../infra/kafka/broker.ts';
import { checkPrerequisites } from './lib/prerequisites.ts';
import { startStack, type Stack } from './lib/stack.ts';

const t0 = performance.now();
const say = (msg: string) => process.stdout.write(`limitedcart ${msg}\n`);

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`limitedcart: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  try {
    await checkPrerequisites(config);
  } catch (error) {
    process.stderr.write(`limitedcart: cannot start:\n${(error as Error).message}\n`);
    process.exit(1);
  }
  const kafka = await ensureKafka({ brokers: config.kafkaBrokers.join(','), log: (m) => say(m) });
  let stack: Stack | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping…`);
    await stack?.stop();
    if (kafka.startedByUs && process.env.KEEP_KAFKA !== '1') await stopKafka({ log: (m) => say(m) });
    say('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    stack = await startStack({ color: process.stdout.isTTY });
  } catch (error) {
    process.stderr.write(`limitedcart: ${(error as Error).message}\n`);
    if (kafka.startedByUs) await stopKafka();
    process.exit(1);
  }
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  say(`ready in ${seconds} s: ${stack.services.join(', ')}`);
  say(`GraphQL (and Apollo Sandbox in a browser): http://localhost:${config.ports.gateway}/graphql`);
  say('Ctrl-C stops everything.');
}

await main();
