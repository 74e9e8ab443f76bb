import { Redis } from 'ioredis';
import type { Config } from './config.ts';
import type { ReadinessCheck } from './http/health.ts';

/** A Redis client for one purpose (commands, or a pub/sub subscriber), named for `CLIENT LIST`. */
export function createRedis(config: Config, purpose: string): Redis {
  return new Redis(config.redisUrl, {
    connectionName: `limitedcart:${purpose}`,
    maxRetriesPerRequest: 3,
    enableAutoPipelining: true,
    lazyConnect: false,
  });
}

export function redisReadiness(redis: Redis, name = 'redis'): ReadinessCheck {
  return {
    name,
    async check() {
      const pong = await redis.ping();
      if (pong !== 'PONG') throw new Error(`unexpected PING reply ${pong}`);
    },
  };
}
