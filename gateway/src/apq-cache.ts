import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { Logger } from '@limitedcart/common';
import type { Redis } from 'ioredis';

/** A cache read slower than this counts as a miss: a sick Redis must not stall every request. */
const READ_TIMEOUT_MS = 250;

/**
 * Apollo's KeyValueCache over Redis, shared by every gateway replica. Apollo prefixes APQ entries with `apq:`, so with
 * prefix `lc:` an automatic persisted query lives at `lc:apq:<sha256>`. Failures degrade to cache misses (the client
 * then resends the full query), never to request errors.
 */
export class RedisKeyValueCache implements KeyValueCache<string> {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #logger: Logger;

  constructor(redis: Redis, prefix: string, logger: Logger) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#logger = logger;
  }

  async get(key: string): Promise<string | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const value = await Promise.race([
        this.#redis.get(this.#prefix + key),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`Redis GET took over ${READ_TIMEOUT_MS} ms`)), READ_TIMEOUT_MS);
        }),
      ]);
      return value ?? undefined;
    } catch (error) {
      this.#logger.warn({ err: error }, 'APQ cache read failed; treating as a miss');
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    try {
      const ttl = options?.ttl;
      if (ttl && ttl > 0) await this.#redis.set(this.#prefix + key, value, 'EX', Math.ceil(ttl));
      else await this.#redis.set(this.#prefix + key, value);
    } catch (error) {
      this.#logger.warn({ err: error }, 'APQ cache write failed');
    }
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#redis.del(this.#prefix + key)) > 0;
  }
}
