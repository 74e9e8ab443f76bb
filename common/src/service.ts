import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';

/** What a service module's start() returns: main.ts and the test harness only need to stop it. */
export interface RunningService {
  url: string;
  stop(): Promise<void>;
}

export interface ServiceModule {
  name: string;
  start(config: Config, logger: Logger): Promise<RunningService>;
}

/**
 * The body of every main.ts: load config (a bad variable stops the process with a message naming it), start, and
 * stop cleanly once on SIGINT/SIGTERM (drain, stop consumers, flush the outbox, close pools).
 */
export async function runMain(module: ServiceModule): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${module.name}: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(module.name, config.logLevel);
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  let running: RunningService;
  try {
    running = await module.start(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, `${module.name} failed to start`);
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${module.name} stopping`);
    const force = setTimeout(() => {
      logger.error('graceful stop took too long; exiting');
      process.exit(1);
    }, 25_000);
    force.unref();
    try {
      await running.stop();
      logger.info(`${module.name} stopped`);
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error while stopping');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
