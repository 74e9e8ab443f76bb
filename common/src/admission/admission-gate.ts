import type { Redis } from 'ioredis';
import { AdmissionKeys } from './admission-keys.ts';
import {
  ADD_STOCK_LUA,
  ADMIT_LUA,
  RECONCILE_LUA,
  RELEASE_LUA,
  RESTORE_LUA,
  SETTLE_LUA,
} from './admission-scripts.ts';
import type {
  AdmissionRejection,
  AdmissionRequest,
  AdmissionResult,
  LiveOrder,
  ReconcileChange,
  StockFigure,
} from './admission-types.ts';
import { LuaScript } from './lua-script.ts';

const admitScript = new LuaScript(ADMIT_LUA);
const releaseScript = new LuaScript(RELEASE_LUA);
const settleScript = new LuaScript(SETTLE_LUA);
const reconcileScript = new LuaScript(RECONCILE_LUA);
const addStockScript = new LuaScript(ADD_STOCK_LUA);
const restoreScript = new LuaScript(RESTORE_LUA);

/** Products per reconcile script call: bounds how long one call blocks Redis. */
const RECONCILE_BATCH = 500;
/** Orders restored concurrently (pipelined) per round. */
const RESTORE_BATCH = 1000;

/**
 * The admission gate: an atomic Redis check-and-take of stock tokens and per-customer allowances, in front of
 * inventory's durable holds. Redis is a cache here; PostgreSQL stays the record (an over-admitted order is
 * rejected by the hold and released).
 *
 * Who calls what: orders calls admit (in placeOrder, before its transaction) and release (rejection, cancel,
 * expiry, refund, or its transaction failing after admit); inventory calls settle (after its hold commits),
 * setStock/addStock (product creation, restock), reconcile (at start and periodically); orders calls
 * restoreOrders at start when hasState() is false (Redis lost its data).
 */
export class AdmissionGate {
  readonly keys: AdmissionKeys;
  readonly #redis: Redis;

  /** `basePrefix` is Config.redisPrefix; keys live under `${basePrefix}gate:<version>:`. */
  constructor(redis: Redis, basePrefix: string) {
    this.#redis = redis;
    this.keys = new AdmissionKeys(basePrefix);
  }

  /**
   * Checks every line, then takes stock tokens and allowances for all of them, or nothing, in one script call.
   * Idempotent per orderId: an id admitted before (even if its order has ended) is answered `earlier`. A gate that
   * lost its data answers `GATE_UNREADY` unless the caller says it found no earlier order in PostgreSQL.
   */
  async admit(request: AdmissionRequest, opts: { earlierOrderChecked?: boolean } = {}): Promise<AdmissionResult> {
    assertId('orderId', request.orderId);
    assertId('customerId', request.customerId);
    const lines = mergeLines(request.lines);
    const keys = [this.keys.order(request.orderId), this.keys.ready()];
    const args: (string | number)[] = [request.customerId, opts.earlierOrderChecked ? '1' : '0'];
    for (const line of lines) {
      keys.push(this.keys.stock(line.productId), this.keys.taken(line.productId, request.customerId));
      keys.push(this.keys.pending(line.productId));
      args.push(line.productId, line.quantity, line.maxPerCustomer ?? -1);
    }
    const reply = (await admitScript.run(this.#redis, keys, args)) as [number, AdmissionRejection?, string?];
    if (reply[0] === 1 || reply[0] === 2) return { admitted: true, earlier: reply[0] === 2 };
    if (reply[0] === 3) return { admitted: false, reason: 'GATE_UNREADY' };
    return { admitted: false, reason: reply[1] as AdmissionRejection, productId: reply[2] as string };
  }

  /**
   * Gives back exactly what the order took (tokens and allowance), once; the order id stays known (a tombstone),
   * so a retry of its request finds the order. `forget` (the order was never recorded): the id is dropped too, and
   * a retry decides again. False if nothing was held for it.
   */
  async release(orderId: string, opts: { forget?: boolean } = {}): Promise<boolean> {
    assertId('orderId', orderId);
    return (await releaseScript.run(this.#redis, [this.keys.order(orderId)], [this.keys.prefix, opts.forget ? '1' : '0'])) === 1;
  }

  /**
   * Inventory now holds the order's stock durably: its units stop counting as "admitted but not yet held"
   * (the figure the stock rebuild subtracts from PostgreSQL's available). The record stays, so a later
   * release (cancel, expiry, refund) is still exact. False if unknown or already settled.
   */
  async settle(orderId: string): Promise<boolean> {
    assertId('orderId', orderId);
    const keys = [this.keys.order(orderId), this.keys.settles()];
    return (await settleScript.run(this.#redis, keys, [this.keys.prefix])) === 1;
  }

  /** Sets the tokens of a product (creation). Prefer reconcile when orders may be in flight. */
  async setStock(productId: string, tokens: number): Promise<void> {
    assertId('productId', productId);
    assertCount('tokens', tokens);
    await this.#redis.set(this.keys.stock(productId), tokens);
  }

  /** Adds (restock) or removes tokens, never below zero. Returns the new count. */
  async addStock(productId: string, delta: number): Promise<number> {
    assertId('productId', productId);
    if (!Number.isSafeInteger(delta)) throw new TypeError('delta must be an integer');
    return Number(await addStockScript.run(this.#redis, [this.keys.stock(productId)], [delta]));
  }

  /**
   * Sets every listed product's tokens to available − pending − (settles since the fence), atomically per
   * batch. The settle fence is read before `load` reads PostgreSQL, so a hold that commits after that read
   * and settles before the write is not counted twice as free stock. Never sets more tokens than
   * available − pending; at worst fewer, until the next run.
   */
  async reconcile(load: () => Promise<StockFigure[]>): Promise<ReconcileChange[]> {
    const fence = await this.#redis.hgetall(this.keys.settles());
    const figures = await load();
    const changes: ReconcileChange[] = [];
    for (let start = 0; start < figures.length; start += RECONCILE_BATCH) {
      const batch = figures.slice(start, start + RECONCILE_BATCH);
      const keys = [this.keys.settles()];
      const args: (string | number)[] = [];
      for (const { productId, available } of batch) {
        assertId('productId', productId);
        if (!Number.isSafeInteger(available)) throw new TypeError('available must be an integer');
        keys.push(this.keys.stock(productId), this.keys.pending(productId));
        args.push(productId, available, fence[productId] ?? 0);
      }
      const reply = (await reconcileScript.run(this.#redis, keys, args)) as number[];
      batch.forEach(({ productId }, i) => {
        const before = reply[2 * i] as number;
        changes.push({ productId, before: before < 0 ? null : before, after: reply[2 * i + 1] as number });
      });
    }
    return changes;
  }

  /**
   * Recreates missing records of live orders (with their allowances and pending units) and the tombstones of ended
   * ones (ids only), then marks the gate's data as present. Orders already recorded are skipped, so it is safe to
   * repeat. Returns how many live records were restored.
   */
  async restoreOrders(orders: readonly LiveOrder[], endedOrderIds: readonly string[] = []): Promise<number> {
    let restored = 0;
    for (let start = 0; start < orders.length; start += RESTORE_BATCH) {
      restored += await this.#restoreBatch(orders.slice(start, start + RESTORE_BATCH));
    }
    for (let start = 0; start < endedOrderIds.length; start += RESTORE_BATCH) {
      await Promise.all(
        endedOrderIds.slice(start, start + RESTORE_BATCH).map((orderId) => {
          assertId('orderId', orderId);
          return this.#redis.hsetnx(this.keys.order(orderId), 's', 'ended');
        }),
      );
    }
    await this.#redis.set(this.keys.ready(), new Date().toISOString());
    return restored;
  }

  async #restoreBatch(orders: readonly LiveOrder[]): Promise<number> {
    const replies = await Promise.all(
      orders.map((order) => {
        assertId('orderId', order.orderId);
        assertId('customerId', order.customerId);
        const keys = [this.keys.order(order.orderId)];
        const args: (string | number)[] = [order.customerId, order.held ? '1' : '0'];
        for (const line of mergeLines(order.lines.map((l) => ({ ...l, maxPerCustomer: null })))) {
          keys.push(this.keys.taken(line.productId, order.customerId), this.keys.pending(line.productId));
          args.push(line.productId, line.quantity);
        }
        return restoreScript.run(this.#redis, keys, args);
      }),
    );
    return replies.filter((r) => r === 1).length;
  }

  /** False when Redis lost the gate's data (or never had it): orders should then call restoreOrders. */
  async hasState(): Promise<boolean> {
    return (await this.#redis.exists(this.keys.ready())) === 1;
  }

  /**
   * Full rebuild (start-up, or after Redis lost its data): restore live order records first, so the pending
   * units are known, then set tokens from PostgreSQL's available.
   */
  async rebuild(source: { stock: StockFigure[]; liveOrders?: LiveOrder[]; endedOrderIds?: string[] }): Promise<ReconcileChange[]> {
    if (source.liveOrders) await this.restoreOrders(source.liveOrders, source.endedOrderIds);
    return this.reconcile(async () => source.stock);
  }

  /** Tokens left for a product; null if the gate does not know it. */
  async tokens(productId: string): Promise<number | null> {
    const value = await this.#redis.get(this.keys.stock(productId));
    return value === null ? null : Number(value);
  }

  /** Units admitted and not yet settled (held) for a product. */
  async pending(productId: string): Promise<number> {
    return Number((await this.#redis.get(this.keys.pending(productId))) ?? 0);
  }

  /** Units a customer holds in live orders of a product. */
  async taken(productId: string, customerId: string): Promise<number> {
    return Number((await this.#redis.get(this.keys.taken(productId, customerId))) ?? 0);
  }
}

/** Same product twice in one order: check and take the sum, under the strictest limit given. */
function mergeLines(lines: AdmissionRequest['lines']): AdmissionRequest['lines'] {
  if (lines.length === 0) throw new TypeError('an admission needs at least one line');
  const merged = new Map<string, AdmissionRequest['lines'][number]>();
  for (const line of lines) {
    assertId('productId', line.productId);
    if (!Number.isSafeInteger(line.quantity) || line.quantity <= 0) {
      throw new TypeError('quantity must be a positive integer');
    }
    if (line.maxPerCustomer !== null) assertCount('maxPerCustomer', line.maxPerCustomer);
    const seen = merged.get(line.productId);
    if (!seen) {
      merged.set(line.productId, { ...line });
      continue;
    }
    seen.quantity += line.quantity;
    if (line.maxPerCustomer !== null) {
      seen.maxPerCustomer =
        seen.maxPerCustomer === null ? line.maxPerCustomer : Math.min(seen.maxPerCustomer, line.maxPerCustomer);
    }
  }
  return [...merged.values()];
}

// Ids become parts of keys: a ':' could make two (product, customer) pairs share a key.
function assertId(name: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200 || value.includes(':')) {
    throw new TypeError(`${name} must be a non-empty id without ':'`);
  }
}

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`${name} must be a non-negative integer`);
}
