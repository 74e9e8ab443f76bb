import { userError, type RequestContext, type UserError } from '@limitedcart/common';
import { LuaScript } from '@limitedcart/common/admission';
import type { Redis } from 'ioredis';
import type { CatalogEntry, CatalogService } from './catalog.service.ts';

/** Most units of one product in a cart line. */
export const MAX_LINE_QUANTITY = 1_000;
/** Most distinct products in one cart. */
export const MAX_CART_LINES = 100;

export interface CartLine {
  productId: string;
  quantity: number;
}

export interface PricedCartLine extends CartLine {
  unitPriceMinor: number;
  currency: string;
}

export interface CartView {
  id: string;
  items: PricedCartLine[];
  totalQuantity: number;
  subtotalMinor: number;
  currency: string;
  expiresAt: Date | null;
}

export type CartResult = { cart: CartView; userErrors: [] } | { cart: null; userErrors: UserError[] };

// One cart = one hash: productId → "<first added ms>:<quantity>" (the prefix keeps the lines in the order they came).
// The whole read-check-write runs in Redis so two concurrent adds cannot both pass the limits.
const CHANGE_LINE = new LuaScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local since, qty = ARGV[7], 0
if cur then
  local sep = string.find(cur, ':', 1, true)
  since = string.sub(cur, 1, sep - 1)
  qty = tonumber(string.sub(cur, sep + 1))
elseif tonumber(ARGV[3]) > 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[8]) then
  return {'TOO_MANY_LINES', 0}
end
local n = tonumber(ARGV[3])
if ARGV[2] == 'add' then n = qty + n end
if n > tonumber(ARGV[4]) then return {'LINE_LIMIT', qty} end
local max = tonumber(ARGV[5])
if max >= 0 and n > max then return {'CUSTOMER_LIMIT', qty} end
if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], since .. ':' .. n) end
if redis.call('HLEN', KEYS[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[6]) end
return {'OK', n}
`);

export interface CartServiceOptions {
  redis: Redis;
  catalog: CatalogService;
  /** Config.redisPrefix. */
  redisPrefix: string;
  ttlSeconds: number;
  storeCurrency: string;
}

/** The customer's cart in Redis, expiring `ttlSeconds` after its last change, priced from the catalog projection. */
export class CartService {
  readonly #redis: Redis;
  readonly #catalog: CatalogService;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #currency: string;

  constructor(options: CartServiceOptions) {
    this.#redis = options.redis;
    this.#catalog = options.catalog;
    this.#prefix = options.redisPrefix;
    this.#ttlMs = options.ttlSeconds * 1_000;
    this.#currency = options.storeCurrency;
  }

  #key(customerId: string): string {
    return `${this.#prefix}cart:${customerId}`;
  }

  async view(customerId: string): Promise<CartView> {
    const key = this.#key(customerId);
    const [hash, pttl] = await Promise.all([this.#redis.hgetall(key), this.#redis.pttl(key)]);
    const lines = parseCart(hash);
    const products = await this.#catalog.find(lines.map((l) => l.productId));
    const items: PricedCartLine[] = [];
    for (const line of lines) {
      const product = products.get(line.productId);
      if (product) items.push({ ...line, unitPriceMinor: product.priceMinor, currency: product.currency });
    }
    return {
      id: Buffer.from(`cart:${customerId}`).toString('base64url'),
      items,
      totalQuantity: items.reduce((sum, l) => sum + l.quantity, 0),
      subtotalMinor: items.reduce((sum, l) => sum + l.unitPriceMinor * l.quantity, 0),
      currency: items[0]?.currency ?? this.#currency,
      expiresAt: items.length > 0 && pttl > 0 ? new Date(Date.now() + pttl) : null,
    };
  }

  /** The cart's lines as stored, in the order they were added. */
  async lines(customerId: string): Promise<CartLine[]> {
    return parseCart(await this.#redis.hgetall(this.#key(customerId))).map(({ productId, quantity }) => ({ productId, quantity }));
  }

  async add(ctx: RequestContext, customerId: string, input: CartLine): Promise<CartResult> {
    if (!Number.isInteger(input.quantity) || input.quantity <= 0) {
      return fail(userError('INVALID_INPUT', 'quantity must be at least 1.', ['input', 'quantity']));
    }
    return this.#change(ctx, customerId, input, 'add');
  }

  async update(ctx: RequestContext, customerId: string, input: CartLine): Promise<CartResult> {
    if (!Number.isInteger(input.quantity) || input.quantity < 0) {
      return fail(userError('INVALID_INPUT', 'quantity must be 0 (remove) or more.', ['input', 'quantity']));
    }
    if (input.quantity === 0) return this.remove(customerId, input.productId);
    return this.#change(ctx, customerId, input, 'set');
  }

  async remove(customerId: string, productId: string): Promise<CartResult> {
    await this.#redis.hdel(this.#key(customerId), productId);
    return { cart: await this.view(customerId), userErrors: [] };
  }

  /** Drops the given products from the cart (after they were ordered). */
  async removeLines(customerId: string, productIds: readonly string[]): Promise<void> {
    if (productIds.length > 0) await this.#redis.hdel(this.#key(customerId), ...productIds);
  }

  async #change(ctx: RequestContext, customerId: string, input: CartLine, mode: 'add' | 'set'): Promise<CartResult> {
    if (input.quantity > MAX_LINE_QUANTITY) {
      return fail(userError('INVALID_INPUT', `A cart line holds at most ${MAX_LINE_QUANTITY} units.`, ['input', 'quantity']));
    }
    const product = (await this.#catalog.lookup([input.productId])).get(input.productId);
    if (!sellable(product)) return fail(userError('NOT_FOUND', 'No such product for sale.', ['input', 'productId']));
    const [status] = (await CHANGE_LINE.run(
      this.#redis,
      [this.#key(customerId)],
      [input.productId, mode, input.quantity, MAX_LINE_QUANTITY, product.maxPerCustomer ?? -1, this.#ttlMs, Date.now(), MAX_CART_LINES],
    )) as [string, number];
    switch (status) {
      case 'OK':
        return { cart: await this.view(customerId), userErrors: [] };
      case 'LINE_LIMIT':
        return fail(userError('INVALID_INPUT', `A cart line holds at most ${MAX_LINE_QUANTITY} units.`, ['input', 'quantity']));
      case 'CUSTOMER_LIMIT':
        return fail(userError('LIMIT_EXCEEDED', `At most ${product.maxPerCustomer} units of this product per customer.`, ['input', 'quantity']));
      case 'TOO_MANY_LINES':
        return fail(userError('INVALID_INPUT', `A cart holds at most ${MAX_CART_LINES} products.`, ['input', 'productId']));
      default:
        ctx.logger.error({ status }, 'unexpected cart script reply');
        throw new Error('unexpected cart script reply');
    }
  }
}

export function sellable(product: CatalogEntry | undefined): product is CatalogEntry {
  return product !== undefined && product.active;
}

function fail(error: UserError): CartResult {
  return { cart: null, userErrors: [error] };
}

function parseCart(hash: Record<string, string>): (CartLine & { since: number })[] {
  const lines: (CartLine & { since: number })[] = [];
  for (const [productId, value] of Object.entries(hash)) {
    const sep = value.indexOf(':');
    const since = Number(value.slice(0, sep));
    const quantity = Number(value.slice(sep + 1));
    if (sep > 0 && Number.isSafeInteger(quantity) && quantity > 0) lines.push({ productId, quantity, since });
  }
  return lines.sort((a, b) => a.since - b.since || a.productId.localeCompare(b.productId));
}
