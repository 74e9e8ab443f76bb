import { createHash, randomUUID } from 'node:crypto';
import { userError, type RequestContext, type UserError } from '@limitedcart/common';
import type { AdmissionGate } from '@limitedcart/common/admission';
import type { OutboxRelay } from '@limitedcart/common/messaging';
import type { MikroORM, SqlEntityManager } from '@mikro-orm/postgresql';
import { MAX_CART_LINES, MAX_LINE_QUANTITY, sellable, type CartLine, type CartService } from './cart.service.ts';
import type { CatalogService } from './catalog.service.ts';
import { emitOrderEvents } from './order-events.ts';
import { ORDER_COLUMNS, toOrderRecord, type OrderRecord, type OrderRow } from './order-record.ts';
import { statusChanged } from './order-transitions.ts';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

export interface PlaceOrderInput {
  items?: CartLine[] | null;
  idempotencyKey: string;
}

export type PlaceOrderResult = { order: OrderRecord; userErrors: [] } | { order: null; userErrors: UserError[] };

export interface OrderPlacementOptions {
  orm: MikroORM;
  gate: AdmissionGate;
  catalog: CatalogService;
  cart: CartService;
  relay: OutboxRelay;
  /** orders.events (prefixed). */
  topic: string;
}

interface PricedLine extends CartLine {
  unitPriceMinor: number;
  currency: string;
  maxPerCustomer: number | null;
}

const fail = (...errors: UserError[]): PlaceOrderResult => ({ order: null, userErrors: errors });

/**
 * placeOrder: validation, the idempotency key, the admission gate's synchronous decision, then the PENDING order,
 * its lines, its first history entry and OrderPlaced in one transaction. Tokens taken by the gate come back if that
 * transaction does not commit.
 */
export class OrderPlacementService {
  readonly #orm: MikroORM;
  readonly #gate: AdmissionGate;
  readonly #catalog: CatalogService;
  readonly #cart: CartService;
  readonly #relay: OutboxRelay;
  readonly #topic: string;

  constructor(options: OrderPlacementOptions) {
    this.#orm = options.orm;
    this.#gate = options.gate;
    this.#catalog = options.catalog;
    this.#cart = options.cart;
    this.#relay = options.relay;
    this.#topic = options.topic;
  }

  async place(ctx: RequestContext, customerId: string, input: PlaceOrderInput): Promise<PlaceOrderResult> {
    const key = input.idempotencyKey;
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      return fail(userError('INVALID_INPUT', `idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`, ['input', 'idempotencyKey']));
    }
    const fromCart = input.items === undefined || input.items === null;
    const lines = fromCart ? await this.#cart.lines(customerId) : input.items!;
    const requestHash = hashLines(lines);
    const em = this.#orm.em.fork();

    const earlier = await findByKey(em, customerId, key);
    if (earlier) return sameRequest(earlier, fromCart, requestHash);

    const invalid = validateLines(lines, fromCart);
    if (invalid) return fail(invalid);
    const products = await this.#catalog.lookup(lines.map((l) => l.productId));
    const priced: PricedLine[] = [];
    for (const [i, line] of lines.entries()) {
      const product = products.get(line.productId);
      if (!sellable(product)) return fail(userError('NOT_FOUND', 'No such product for sale.', ['input', 'items', String(i), 'productId']));
      priced.push({ ...line, unitPriceMinor: product.priceMinor, currency: product.currency, maxPerCustomer: product.maxPerCustomer });
    }
    const currency = priced[0]!.currency;
    if (priced.some((l) => l.currency !== currency)) {
      return fail(userError('INVALID_INPUT', 'Every line of an order must be in one currency.', ['input', 'items']));
    }
    const totalMinor = priced.reduce((sum, l) => sum + l.unitPriceMinor * l.quantity, 0);

    const orderId = randomUUID();
    let admitted = false;
    try {
      const result = await em.transactional(async (tx): Promise<PlaceOrderResult> => {
        // Concurrent requests with one key queue here; the later ones then find the first one's order.
        await tx.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`order-key:${customerId}:${key}`]);
        const winner = await findByKey(tx, customerId, key);
        if (winner) return sameRequest(winner, fromCart, requestHash);

        const admission = await this.#gate.admit({ orderId, customerId, lines: priced });
        if (!admission.admitted) {
          const i = priced.findIndex((l) => l.productId === admission.productId);
          const field = ['input', 'items', String(Math.max(i, 0)), 'quantity'];
          return admission.reason === 'LIMIT_EXCEEDED'
            ? fail(userError('LIMIT_EXCEEDED', 'This exceeds the per-customer limit of the product, counting your live orders.', field))
            : fail(userError('OUT_OF_STOCK', 'Not enough stock is left for this quantity.', field));
        }
        admitted = true;
        const [row] = await tx.execute<OrderRow[]>(
          `insert into orders (id, customer_id, status, total_minor, currency, idempotency_key, request_hash)
           values (?, ?, 'PENDING', ?, ?, ?, ?) returning ${ORDER_COLUMNS}`,
          [orderId, customerId, totalMinor, currency, key, requestHash],
        );
        const order = toOrderRecord(row!);
        const params: unknown[] = [];
        for (const [i, l] of priced.entries()) params.push(orderId, i, l.productId, l.quantity, l.unitPriceMinor);
        await tx.execute(
          `insert into order_line (order_id, position, product_id, quantity, unit_price_minor) values ${priced.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
          params,
          'run',
        );
        await tx.execute(
          `insert into order_status_change (order_id, version, status, at) values (?, 1, 'PENDING', ?)`,
          [orderId, order.createdAt],
          'run',
        );
        await emitOrderEvents(tx, this.#topic, [
          { type: 'OrderPlaced', payload: { orderId, customerId, lines: priced.map((l) => ({ productId: l.productId, quantity: l.quantity })) } },
          statusChanged(order, null, null),
        ]);
        return { order, userErrors: [] };
      });
      if (result.order && result.order.id === orderId) {
        this.#relay.notify();
        if (fromCart) await this.#cart.removeLines(customerId, lines.map((l) => l.productId));
      } else if (admitted) {
        await this.#gate.release(orderId);
      }
      return result;
    } catch (error) {
      if (admitted) {
        await this.#gate.release(orderId).catch((err: unknown) => ctx.logger.error({ err, orderId }, 'could not give back admission tokens'));
      }
      throw error;
    }
  }
}

async function findByKey(em: SqlEntityManager, customerId: string, key: string): Promise<(OrderRecord & { requestHash: string }) | null> {
  const [row] = await em.execute<(OrderRow & { request_hash: string })[]>(
    `select ${ORDER_COLUMNS}, request_hash from orders where customer_id = ? and idempotency_key = ?`,
    [customerId, key],
  );
  return row ? { ...toOrderRecord(row), requestHash: row.request_hash } : null;
}

/** A repeated key: the first order when the request is the same (a cart order's retry finds the cart emptied). */
function sameRequest(earlier: OrderRecord & { requestHash: string }, fromCart: boolean, requestHash: string): PlaceOrderResult {
  if (fromCart || earlier.requestHash === requestHash) {
    const { requestHash: _hash, ...order } = earlier;
    return { order, userErrors: [] };
  }
  return fail(userError('IDEMPOTENCY_CONFLICT', 'This idempotency key was already used for other items.', ['input', 'idempotencyKey']));
}

function validateLines(lines: readonly CartLine[], fromCart: boolean): UserError | null {
  if (lines.length === 0) {
    return userError('INVALID_INPUT', fromCart ? 'The cart is empty.' : 'An order needs at least one line.', ['input', 'items']);
  }
  if (lines.length > MAX_CART_LINES) return userError('INVALID_INPUT', `An order has at most ${MAX_CART_LINES} lines.`, ['input', 'items']);
  const seen = new Set<string>();
  for (const [i, line] of lines.entries()) {
    if (typeof line.productId !== 'string' || line.productId.trim().length === 0) {
      return userError('INVALID_INPUT', 'productId is required.', ['input', 'items', String(i), 'productId']);
    }
    if (seen.has(line.productId)) {
      return userError('INVALID_INPUT', 'Each product may appear in one line only.', ['input', 'items', String(i), 'productId']);
    }
    seen.add(line.productId);
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_LINE_QUANTITY) {
      return userError('INVALID_INPUT', `quantity must be 1 to ${MAX_LINE_QUANTITY}.`, ['input', 'items', String(i), 'quantity']);
    }
  }
  return null;
}

/** What "the same items" means for the idempotency key: the lines in any order. */
export function hashLines(lines: readonly CartLine[]): string {
  const canonical = lines
    .map((l) => `${l.productId}:${l.quantity}`)
    .sort()
    .join(',');
  return createHash('sha256').update(canonical).digest('hex');
}
