import pg from 'pg';
import { Redis } from 'ioredis';
import type { Config } from '../../common/src/config.ts';

/** host:port of a URL, never its credentials. */
function where(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol.startsWith('redis') ? 6379 : 5432)}`;
}

/** PostgreSQL and Redis must already run; say which variable to set when one does not answer. */
export async function checkPrerequisites(config: Config): Promise<void> {
  const problems: string[] = [];
  const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    problems.push(`PostgreSQL does not answer at ${where(config.databaseUrl)} (${(error as Error).message}). Start it, or set DATABASE_URL.`);
  } finally {
    await client.end().catch(() => undefined);
  }
  const redis = new Redis(config.redisUrl, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    problems.push(`Redis does not answer at ${where(config.redisUrl)} (${(error as Error).message}). Start it, or set REDIS_URL.`);
  } finally {
    redis.disconnect();
  }
  if (problems.length) throw new Error(problems.join('\n'));
}
