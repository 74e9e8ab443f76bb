import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * One Lua script run by EVALSHA (the body crosses the wire only once per Redis server); on NOSCRIPT (script
 * cache flushed, Redis restarted, new server) it falls back to EVAL, which also reloads the cache.
 */
export class LuaScript {
  readonly sha: string;
  readonly source: string;

  constructor(source: string) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
