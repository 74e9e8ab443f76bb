// Redis read cache of products by id. Writers call put() right after their transaction commits (write-through); a
// Lua script stores a copy only if it is newer (higher version) than the cached one. So a reader that loaded the old
// row just before a commit and fills the cache just after it cannot put the old price back (the race a plain
// "delete after commit" leaves open). A TTL bounds the damage if a post-commit write ever fails.
import type { Logger } from '@limitedcart/common';
import type { Redis } from 'ioredis';
import type { ProductRecord } from './product-record.ts';

export const PRODUCT_CACHE_NAMESPACE = 'products:v1:';
export const PRODUCT_CACHE_TTL_SECONDS = 300;

// KEYS[i] / ARGV[i]: one product each; ARGV[n+1] = TTL. Keeps the cached copy when its version >= the new one.
const PUT_IF_NEWER = `
local ttl = ARGV[#KEYS + 1]
local stored = 0
for i, key in ipairs(KEYS) do
  local value = ARGV[i]
  local current = redis.call('GET', key)
  local keep = false
  if current then
    local ok, cached = pcall(cjson.decode, current)
    if ok and type(cached) == 'table' and type(cached.version) == 'number' then
      keep = cached.version >= cjson.decode(value).version
    end
  end
  if not keep then
    redis.call('SET', key, value, 'EX', ttl)
    stored = stored + 1
  end
end
return stored
`;

export class ProductCache {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlSeconds: number;
  readonly #logger: Logger;

  /** `keyPrefix` is config.redisPrefix; keys are `<redisPrefix>products:v1:<id>`. */
  constructor(redis: Redis, keyPrefix: string, logger: Logger, ttlSeconds = PRODUCT_CACHE_TTL_SECONDS) {
    this.#redis = redis;
    this.#prefix = keyPrefix + PRODUCT_CACHE_NAMESPACE;
    this.#ttlSeconds = ttlSeconds;
    this.#logger = logger;
  }

  key(id: string): string {
    return this.#prefix + id;
  }

  /** Cached products among `ids`. Redis trouble is a miss (the database answers), never a failed request. */
  async getMany(ids: readonly string[]): Promise<Map<string, ProductRecord>> {
    const found = new Map<string, ProductRecord>();
    if (ids.length === 0) return found;
    let values: (string | null)[];
    try {
      values = await this.#redis.mget(ids.map((id) => this.key(id)));
    } catch (err) {
      this.#logger.warn({ err }, 'product cache read failed; reading from PostgreSQL');
      return found;
    }
    values.forEach((value, i) => {
      if (value !== null) found.set(ids[i]!, JSON.parse(value) as ProductRecord);
    });
    return found;
  }

  /** Stores each record unless a newer version is cached. */
  async put(records: readonly ProductRecord[]): Promise<void> {
    if (records.length === 0) return;
    const keys = records.map((r) => this.key(r.id));
    const args = [...records.map((r) => JSON.stringify(r)), String(this.#ttlSeconds)];
    await this.#redis.eval(PUT_IF_NEWER, keys.length, ...keys, ...args);
  }

  /** After a commit: the new version replaces the cached one; if that fails, at least drop the stale copy. */
  async refresh(record: ProductRecord): Promise<void> {
    try {
      await this.put([record]);
    } catch (err) {
      this.#logger.warn({ err, productId: record.id }, 'product cache write failed; deleting the cached copy');
      await this.#redis.del(this.key(record.id)).catch((delErr: unknown) => {
        // Stale for at most the TTL; loud, because a stale price is a bug.
        this.#logger.error({ err: delErr, productId: record.id }, 'product cache invalidation failed');
      });
    }
  }

  /** Fill after a database read; best effort. */
  async fill(records: readonly ProductRecord[]): Promise<void> {
    await this.put(records).catch((err: unknown) => this.#logger.warn({ err }, 'product cache fill failed'));
  }
}
