import { createHash } from 'node:crypto';
import { userError, type RequestContext, type UserError } from '@limitedcart/common';
import type { AdmissionGate } from '@limitedcart/common/admission';
import { ORDER_AGGREGATE } from '@limitedcart/common/events/order-events';
import { pgPoolOf, type PgPool } from '@limitedcart/common/db';
import { orderEnvelopes, outboxInsertFromJson, type OutboxRelay } from '@limitedcart/common/messaging';
import type { MikroORM } from '@mikro-orm/postgresql';
import { MAX_CART_LINES, MAX_LINE_QUANTITY, sellable, type CartLine, type CartService } from './cart.service.ts';
import type { CatalogService } from './catalog.service.ts';
import { ORDER_COLUMNS, toOrderRecord, type OrderRecord, type OrderRow } from './order-record.ts';
import type { OrderEvent } from './order-events.ts';
import { statusChanged } from './order-transitions.ts';
import type { OrderLineView } from './order.service.ts';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

export interface PlaceOrderInput {
  items?: CartLine[] | null;
  idempotencyKey: string;
}

export type PlaceOrderResult =
  /** `lines`: those of an order just recorded, so its answer reads nothing back. */
  | { order: OrderRecord; userErrors: []; lines?: OrderLineView[] }
  | { order: null; userErrors: UserError[]; lines?: undefined };

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
  name: string;
  unitPriceMinor: number;
  currency: string;
  maxPerCustomer: number | null;
}

const fail = (...errors: UserError[]): PlaceOrderResult => ({ order: null, userErrors: errors });

/**
 * placeOrder: validation, the admission gate's synchronous decision (which also knows whether the idempotency key's
 * order id was admitted before), then the PENDING order, its lines, its first history entry and OrderPlaced in one
 * statement. Tokens taken by the gate come back if that statement fails. Concurrent requests with one
 * key are told apart by the gate (one order id per key), not by a database lock: a refusal costs one Redis script.
 */
export class OrderPlacementService {
  readonly #orm: MikroORM;
  readonly #gate: AdmissionGate;
  readonly #catalog: CatalogService;
  readonly #cart: CartService;
  readonly #relay: OutboxRelay;
  readonly #topic: string;
  #pool: PgPool | undefined;

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
    // An input error may be a retry of an order placed earlier (its cart since emptied, its product since archived):
    // that retry gets its order back. Errors are rare, so only they pay for the lookup.
    const refuse = async (error: UserError): Promise<PlaceOrderResult> => {
      const earlier = await findByKey(this.#orm, customerId, key);
      return earlier ? sameRequest(earlier, fromCart, requestHash) : fail(error);
    };

    const invalid = validateLines(lines, fromCart);
    if (invalid) return refuse(invalid);
    const products = await this.#catalog.lookup(lines.map((l) => l.productId));
    const priced: PricedLine[] = [];
    for (const [i, line] of lines.entries()) {
      const product = products.get(line.productId);
      if (!sellable(product)) return refuse(userError('NOT_FOUND', 'No such product for sale.', ['input', 'items', String(i), 'productId']));
      priced.push({ ...line, name: product.name, unitPriceMinor: product.priceMinor, currency: product.currency, maxPerCustomer: product.maxPerCustomer });
    }
    const currency = priced[0]!.currency;
    if (priced.some((l) => l.currency !== currency)) {
      return refuse(userError('INVALID_INPUT', 'Every line of an order must be in one currency.', ['input', 'items']));
    }
    const totalMinor = priced.reduce((sum, l) => sum + l.unitPriceMinor * l.quantity, 0);

    // One order id per (customer, key): the gate remembers every id it ever admitted, so a first request is decided
    // by one script call (a refusal touches no database), and only a repeated id is looked up in PostgreSQL.
    // Concurrent duplicates meet in the script, where exactly one takes the tokens.
    const orderId = orderIdFor(customerId, key);
    const deadline = Date.now() + TWIN_WAIT_MS;
    let earlierOrderChecked = false;
    for (;;) {
      const admission = await this.#gate.admit({ orderId, customerId, lines: priced }, { earlierOrderChecked });
      if (admission.admitted && !admission.earlier) {
        return this.#record(ctx, { orderId, customerId, key, requestHash, priced, currency, totalMinor, fromCart, lines });
      }
      if (!admission.admitted && admission.reason !== 'GATE_UNREADY') {
        const i = priced.findIndex((l) => l.productId === admission.productId);
        const field = ['input', 'items', String(Math.max(i, 0)), 'quantity'];
        return admission.reason === 'LIMIT_EXCEEDED'
          ? fail(userError('LIMIT_EXCEEDED', 'This exceeds the per-customer limit of the product, counting your live orders.', field))
          : fail(userError('OUT_OF_STOCK', 'Not enough stock is left for this quantity.', field));
      }
      // Admitted earlier (a retry, or a twin still writing its order), or a gate that lost its data and cannot
      // tell: PostgreSQL, the record, answers. A twin that failed gives its tokens back and forgets the id, so
      // the next round decides again.
      const earlier = await findByKey(this.#orm, customerId, key);
      if (earlier) return sameRequest(earlier, fromCart, requestHash);
      if (!admission.admitted) {
        earlierOrderChecked = true;
        continue;
      }
      if (Date.now() > deadline) throw new Error(`order ${orderId} is admitted but not recorded after ${TWIN_WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, TWIN_POLL_MS));
    }
  }

  /**
   * The admitted order, its lines, first history entry and events in one statement (atomic on its own: one round
   * trip and one commit instead of a seven-step transaction, prepared once per connection); tokens back if it fails.
   */
  async #record(ctx: RequestContext, o: AdmittedOrder): Promise<PlaceOrderResult> {
    const { orderId, customerId, priced } = o;
    const now = new Date();
    const order: OrderRecord = {
      id: orderId,
      customerId,
      status: 'PENDING',
      totalMinor: o.totalMinor,
      currency: o.currency,
      failureReason: null,
      paymentDueAt: null,
      refundRequestedAt: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    const events: OrderEvent[] = [
      { type: 'OrderPlaced', payload: { orderId, customerId, lines: priced.map((l) => ({ productId: l.productId, quantity: l.quantity })) } },
      statusChanged(order, null, null),
    ];
    const envelopes = orderEnvelopes(ORDER_AGGREGATE, events);
    try {
      this.#pool ??= await pgPoolOf(this.#orm);
      await this.#pool.query({
        name: 'orders.place.v3',
        text: PLACE_ORDER_SQL,
        values: [
          orderId,
          customerId,
          o.totalMinor,
          o.currency,
          o.key,
          o.requestHash,
          now,
          priced.map((_, i) => i),
          priced.map((l) => l.productId),
          priced.map((l) => l.quantity),
          priced.map((l) => l.unitPriceMinor),
          this.#topic,
          JSON.stringify(envelopes),
        ],
      });
    } catch (error) {
      // A unique violation: the order exists although the gate had no record of its id (records lost and not all
      // restored). Give these tokens back, keep the id known, and answer with that order.
      const duplicate = (error as { code?: string }).code === UNIQUE_VIOLATION;
      await this.#gate.release(orderId, { forget: !duplicate }).catch((err: unknown) => ctx.logger.error({ err, orderId }, 'could not give back admission tokens'));
      const earlier = duplicate ? await findByKey(this.#orm, customerId, o.key) : null;
      if (earlier) return sameRequest(earlier, o.fromCart, o.requestHash);
      throw error;
    }
    this.#relay.notify();
    if (o.fromCart) await this.#cart.removeLines(customerId, o.lines.map((l) => l.productId));
    const recorded = priced.map((l) => ({ orderId, productId: l.productId, productName: l.name, quantity: l.quantity, unitPriceMinor: l.unitPriceMinor }));
    return { order, userErrors: [], lines: recorded };
  }
}

const UNIQUE_VIOLATION = '23505';

/**
 * The order, its lines (unnest of four arrays), its first history entry and its first events. Data-modifying CTEs
 * run once each, in one snapshot; the foreign keys are checked at the end of the statement, when the order exists.
 * The outbox rows need no per-order lock: no other transaction can queue events of an order before it exists.
 */
const PLACE_ORDER_SQL = `
with o as (
  insert into orders (id, customer_id, status, total_minor, currency, idempotency_key, request_hash, created_at, updated_at)
  values ($1, $2, 'PENDING', $3, $4, $5, $6, $7, $7)
  returning id, created_at
), l as (
  insert into order_line (order_id, position, product_id, quantity, unit_price_minor)
  select o.id, t.position, t.product_id, t.quantity, t.unit_price
    from o, unnest($8::int[], $9::text[], $10::int[], $11::bigint[]) as t (position, product_id, quantity, unit_price)
), h as (
  insert into order_status_change (order_id, version, status, at) select id, 1, 'PENDING', created_at from o
), x as (
  ${outboxInsertFromJson('$12', '$13')}
)
select id from o`;

interface AdmittedOrder {
  orderId: string;
  customerId: string;
  key: string;
  requestHash: string;
  priced: PricedLine[];
  currency: string;
  totalMinor: number;
  fromCart: boolean;
  lines: CartLine[];
}

/** How long a duplicate waits for its admitted twin's order to commit, and how often it looks. */
const TWIN_WAIT_MS = 5_000;
const TWIN_POLL_MS = 10;

/**
 * The order id of (customer, idempotency key): a name-based UUID (RFC 9562 version 8) of SHA-256, so every
 * request with that key names the same order at the gate. Only its owner, who knows the key, can derive it.
 */
export function orderIdFor(customerId: string, key: string): string {
  const b = createHash('sha256').update(`order\0${customerId}\0${key}`).digest();
  b[6] = (b[6]! & 0x0f) | 0x80; // version 8
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const h = b.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

async function findByKey(orm: MikroORM, customerId: string, key: string): Promise<(OrderRecord & { requestHash: string }) | null> {
  // A fork only here: a first request (the drop's every request) needs no entity manager at all.
  const [row] = await orm.em.fork().execute<(OrderRow & { request_hash: string })[]>(
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
