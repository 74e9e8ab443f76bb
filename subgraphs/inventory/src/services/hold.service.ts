import type { Logger } from '@limitedcart/common';
import {
  ORDER_EVENTS,
  type OrderCancelledPayload,
  type OrderConfirmedPayload,
  type OrderPlacedPayload,
  type OrderRefundedPayload,
} from '@limitedcart/common/events/order-events';
import { INVENTORY_AGGREGATE, type StockRejectionReason } from '@limitedcart/common/events/inventory-events';
import { claimEvents, handleOnce, NonRetryableError, noteOutboxRows, orderEnvelopes, outboxInsertFromJson, type EventEnvelope } from '@limitedcart/common/messaging';
import type { MikroORM, SqlEntityManager } from '@mikro-orm/postgresql';
import type { HoldStatus } from '../entities/hold.entity.ts';
import { emitInventoryEvents, type InventoryEvent } from './inventory-events.ts';
import type { InventoryGate } from './inventory-gate.ts';
import { applyMoves, byProductId, MOVES, type ProductQuantity, type StockMove } from './stock-moves.ts';

/** Inbox consumer name of the orders.events handlers. */
export const ORDER_EVENTS_CONSUMER = 'inventory.order-events';

const MAX_QUANTITY = 2_147_483_647;

export type PlaceOutcome =
  | { kind: 'reserved'; holdExpiresAt: string }
  | { kind: 'rejected'; reason: StockRejectionReason; productId: string }
  | { kind: 'duplicate' };

export type TransitionOutcome = { kind: 'applied' } | { kind: 'ignored'; status: HoldStatus | null } | { kind: 'duplicate' };

interface Transition {
  from: HoldStatus;
  to: HoldStatus;
  move: StockMove;
  event: 'StockCommitted' | 'StockReleased' | 'StockReturned';
  /** Whether the order's gate record is released once the change is committed. */
  releaseGate: boolean;
}

const TRANSITIONS = {
  confirm: { from: 'HELD', to: 'COMMITTED', move: MOVES.commit, event: 'StockCommitted', releaseGate: false },
  cancel: { from: 'HELD', to: 'RELEASED', move: MOVES.release, event: 'StockReleased', releaseGate: true },
  refund: { from: 'COMMITTED', to: 'RETURNED', move: MOVES.returnSold, event: 'StockReturned', releaseGate: true },
} as const satisfies Record<string, Transition>;

export interface HoldServiceOptions {
  orm: MikroORM;
  gate: InventoryGate;
  logger: Logger;
  /** inventory.events topic (prefixed). */
  topic: string;
  paymentWindowSeconds: number;
}

/**
 * Inventory's part of the order saga: durable holds for OrderPlaced, and the moves of OrderConfirmed / Cancelled /
 * Refunded. Each event is handled once (inbox row in the same transaction as the effect and the outgoing event).
 * Gate calls run after commit; a redelivered event repeats them (they are idempotent), which repairs a crash between.
 */
export class HoldService {
  readonly #orm: MikroORM;
  readonly #gate: InventoryGate;
  readonly #logger: Logger;
  readonly #topic: string;
  readonly #windowSeconds: number;

  constructor(options: HoldServiceOptions) {
    this.#orm = options.orm;
    this.#gate = options.gate;
    this.#logger = options.logger;
    this.#topic = options.topic;
    this.#windowSeconds = options.paymentWindowSeconds;
  }

  /**
   * The orders.events types handle() acts on: the consumer takes only these, and handle() skips any other, so a type
   * handled below but missing here fails its own test instead of being dropped by the bus unnoticed.
   */
  static readonly EVENT_TYPES: readonly string[] = [ORDER_EVENTS.placed, ORDER_EVENTS.confirmed, ORDER_EVENTS.cancelled, ORDER_EVENTS.refunded];
  static readonly #eventTypes = new Set(HoldService.EVENT_TYPES);

  /** Routes an orders.events envelope (EVENT_TYPES); other types are skipped (undefined). */
  async handle(envelope: EventEnvelope): Promise<PlaceOutcome | TransitionOutcome | undefined> {
    if (!HoldService.#eventTypes.has(envelope.type)) return undefined;
    switch (envelope.type) {
      case ORDER_EVENTS.placed:
        return this.place(envelope as EventEnvelope<OrderPlacedPayload>);
      case ORDER_EVENTS.confirmed:
        return this.transition(envelope as EventEnvelope<OrderConfirmedPayload>, TRANSITIONS.confirm);
      case ORDER_EVENTS.cancelled:
        return this.transition(envelope as EventEnvelope<OrderCancelledPayload>, TRANSITIONS.cancel);
      case ORDER_EVENTS.refunded:
        return this.transition(envelope as EventEnvelope<OrderRefundedPayload>, TRANSITIONS.refund);
      default:
        return undefined;
    }
  }

  /**
   * Holds every line of one order or none (placeMany with one event): StockReserved / StockRejected go through the
   * outbox in the same transaction.
   */
  async place(envelope: EventEnvelope<OrderPlacedPayload>): Promise<PlaceOutcome> {
    const [outcome] = await this.placeMany([envelope]);
    return outcome!;
  }

  /**
   * orders.events a batch at a time (the bus's batch handler): every OrderPlaced held by one placeMany, first, then the
   * other events one by one in order. Only one order's events need their order, and an order's OrderPlaced is its
   * first event (a repeated one finds the hold and does nothing), so taking them first changes no outcome, while the
   * drop's OrderAwaitingPayment, interleaved with its OrderPlaced, no longer split the batch into holds of one. If
   * anything throws, the bus hands the same events to handle() one by one, and the inbox makes the ones already
   * committed no-ops.
   */
  async handleBatch(envelopes: readonly EventEnvelope[]): Promise<void> {
    const placed = envelopes.filter((e): e is EventEnvelope<OrderPlacedPayload> => e.type === ORDER_EVENTS.placed);
    if (placed.length) await this.placeMany(placed);
    for (const envelope of envelopes) if (envelope.type !== ORDER_EVENTS.placed) await this.handle(envelope);
  }

  /**
   * OrderPlaced events in order, each order all-or-nothing: lines merged per product; an order whose lines do not all
   * fit in what is left is REJECTED (the first short line, in product-id order, is named), taking nothing. One
   * transaction of a fixed number of statements however many orders: inbox, holds, the stock rows locked in
   * product-id order, then their new figures, lines, rejections and events. A rejection's gate tokens are released by
   * orders when it handles StockRejected (it owns the admission).
   */
  async placeMany(envelopes: readonly EventEnvelope<OrderPlacedPayload>[]): Promise<PlaceOutcome[]> {
    const placed = envelopes.map((envelope, index) => ({ index, envelope, orderId: envelope.payload.orderId, customerId: envelope.payload.customerId, lines: validPlacedLines(envelope.payload) }));
    // By position: a delivery repeated within the batch is a duplicate like one repeated across batches.
    const outcomes: PlaceOutcome[] = placed.map(() => ({ kind: 'duplicate' }));
    const em = this.#orm.em.fork();
    await em.transactional(async (tx) => {
      // Rows are written in key order (inbox, then holds, then stock rows): concurrent batches sharing events or
      // orders (a rebalance, a redelivery) wait for each other instead of deadlocking.
      const freshIds = await claimEvents(tx, ORDER_EVENTS_CONSUMER, placed.map((p) => p.envelope.id));
      // A second OrderPlaced of one order (another event id) finds the first one's hold and does nothing.
      const firstOfOrder = new Map<string, (typeof placed)[number]>();
      for (const p of placed) {
        if (!freshIds.delete(p.envelope.id)) continue; // seen before, or earlier in this batch
        if (!firstOfOrder.has(p.orderId)) firstOfOrder.set(p.orderId, p);
      }
      if (firstOfOrder.size === 0) return;
      const created = await tx.execute<{ order_id: string; expires_at: Date }[]>(
        `insert into hold (order_id, customer_id, status, expires_at)
         select t.order_id, t.customer_id, 'HELD', now() + (? * interval '1 second')
           from jsonb_to_recordset(?::jsonb) as t (order_id text, customer_id text) order by t.order_id
         on conflict (order_id) do nothing returning order_id, expires_at`,
        [this.#windowSeconds, JSON.stringify([...firstOfOrder.values()].map((p) => ({ order_id: p.orderId, customer_id: p.customerId })))],
      );
      const expiresAt = new Map(created.map((r) => [r.order_id, new Date(r.expires_at).toISOString()]));
      const products = [...new Set([...firstOfOrder.values()].flatMap((p) => p.lines.map((l) => l.productId)))].sort();
      const rows = await tx.execute<{ product_id: string; available: number }[]>(
        `select product_id, available from stock where product_id in (select jsonb_array_elements_text(?::jsonb)) order by product_id for update`,
        [JSON.stringify(products)],
      );
      const available = new Map(rows.map((r) => [r.product_id, r.available]));
      const taken = new Map<string, number>();
      const lines: { order_id: string; product_id: string; quantity: number }[] = [];
      const rejected: { order_id: string; reason: StockRejectionReason }[] = [];
      const events: (InventoryEvent & { causedBy: EventEnvelope })[] = [];
      for (const p of firstOfOrder.values()) {
        if (!expiresAt.has(p.orderId)) {
          this.#logger.warn({ orderId: p.orderId, eventId: p.envelope.id }, 'OrderPlaced for an order that already has a hold; ignored');
          continue;
        }
        const short = p.lines.find((l) => (available.get(l.productId) ?? -1) < l.quantity);
        if (short) {
          const reason: StockRejectionReason = available.has(short.productId) ? 'OUT_OF_STOCK' : 'UNKNOWN_PRODUCT';
          rejected.push({ order_id: p.orderId, reason });
          events.push({ type: 'StockRejected', payload: { orderId: p.orderId, reason, productId: short.productId }, causedBy: p.envelope });
          outcomes[p.index] = { kind: 'rejected', reason, productId: short.productId };
          continue;
        }
        for (const l of p.lines) {
          available.set(l.productId, available.get(l.productId)! - l.quantity);
          taken.set(l.productId, (taken.get(l.productId) ?? 0) + l.quantity);
          lines.push({ order_id: p.orderId, product_id: l.productId, quantity: l.quantity });
        }
        const holdExpiresAt = expiresAt.get(p.orderId)!;
        events.push({ type: 'StockReserved', payload: { orderId: p.orderId, holdExpiresAt }, causedBy: p.envelope });
        outcomes[p.index] = { kind: 'reserved', holdExpiresAt };
      }
      // The stock rows are locked from the select above to the commit: one statement writes the rest (new figures,
      // lines, rejections and events), so a drop's hot row waits two round trips per batch, not six. The events need
      // no per-order outbox lock: they are the first of orders whose holds this transaction created.
      const json = (rows: unknown[]) => JSON.stringify(rows);
      await tx.execute(
        `with taken as (
           update stock set available = available - t.quantity, reserved = reserved + t.quantity, updated_at = now()
             from jsonb_to_recordset(?::jsonb) as t (product_id text, quantity integer) where stock.product_id = t.product_id
         ), lines as (
           insert into hold_line (order_id, product_id, quantity)
           select order_id, product_id, quantity from jsonb_to_recordset(?::jsonb) as t (order_id text, product_id text, quantity integer)
         ), rejected as (
           update hold set status = 'REJECTED', reject_reason = t.reason, expires_at = null, updated_at = now()
             from jsonb_to_recordset(?::jsonb) as t (order_id text, reason text) where hold.order_id = t.order_id
         )
         ${outboxInsertFromJson('?', '?')}`,
        [
          json([...taken].map(([product_id, quantity]) => ({ product_id, quantity }))),
          json(lines),
          json(rejected),
          this.#topic,
          json(orderEnvelopes(INVENTORY_AGGREGATE, events)),
        ],
        'run',
      );
      noteOutboxRows(tx);
    });
    // After commit: reserved units stop counting as pending in the gate; a duplicate settles again unless its order
    // was rejected (a crash between commit and settle is repaired this way).
    await Promise.all(
      placed.map(async ({ index, orderId }) => {
        const outcome = outcomes[index]!;
        if (outcome.kind === 'reserved') await this.#gate.settle(orderId);
        else if (outcome.kind === 'duplicate') {
          const status = await this.#status(em, orderId);
          if (status !== null && status !== 'REJECTED') await this.#gate.settle(orderId);
        }
      }),
    );
    return outcomes;
  }

  async transition(
    envelope: EventEnvelope<{ orderId: string }>,
    t: Transition,
  ): Promise<TransitionOutcome> {
    const orderId = validOrderId(envelope.payload);
    const em = this.#orm.em.fork();
    const done = await handleOnce(em, ORDER_EVENTS_CONSUMER, envelope.id, async (tx): Promise<TransitionOutcome> => {
      // Locks the order's hold row: the sweeper (SKIP LOCKED) and other transitions of this order wait or skip.
      const moved = await tx.execute<{ order_id: string }[]>(
        `update hold set status = ?, updated_at = now() where order_id = ? and status = ? returning order_id`,
        [t.to, orderId, t.from],
      );
      if (moved.length === 0) {
        const status = await this.#status(tx, orderId);
        this.#logger.warn(
          { orderId, eventType: envelope.type, status, eventId: envelope.id },
          `${envelope.type} ignored: hold is ${status ?? 'unknown'}, expected ${t.from}`,
        );
        return { kind: 'ignored', status };
      }
      await applyMoves(tx, t.move, await this.#lines(tx, orderId));
      await this.#emit(tx, envelope, { type: t.event, payload: { orderId } });
      return { kind: 'applied' };
    });
    const outcome: TransitionOutcome = done.duplicate ? { kind: 'duplicate' } : done.result;
    if (t.releaseGate) {
      const released = outcome.kind === 'applied' || (outcome.kind === 'duplicate' && (await this.#status(em, orderId)) === t.to);
      if (released) await this.#gate.release(orderId);
    }
    return outcome;
  }

  async #lines(tx: SqlEntityManager, orderId: string): Promise<ProductQuantity[]> {
    const rows = await tx.execute<{ product_id: string; quantity: number }[]>(
      'select product_id, quantity from hold_line where order_id = ? order by product_id',
      [orderId],
    );
    return rows.map((r) => ({ productId: r.product_id, quantity: r.quantity }));
  }

  async #status(em: SqlEntityManager, orderId: string): Promise<HoldStatus | null> {
    const [row] = await em.execute<{ status: HoldStatus }[]>('select status from hold where order_id = ?', [orderId]);
    return row?.status ?? null;
  }

  async #emit(tx: SqlEntityManager, cause: EventEnvelope, event: InventoryEvent): Promise<void> {
    await emitInventoryEvents(tx, this.#topic, [{ ...event, causedBy: cause }]);
  }
}

function validOrderId(payload: unknown): string {
  const orderId = (payload as { orderId?: unknown } | null)?.orderId;
  if (typeof orderId !== 'string' || orderId.length === 0) throw new NonRetryableError('event payload has no orderId');
  return orderId;
}

/** Lines merged per product and sorted by product id; a malformed payload can never succeed, so it goes to the DLQ. */
function validPlacedLines(payload: OrderPlacedPayload): ProductQuantity[] {
  validOrderId(payload);
  if (typeof payload.customerId !== 'string' || payload.customerId.length === 0) {
    throw new NonRetryableError('OrderPlaced has no customerId');
  }
  if (!Array.isArray(payload.lines) || payload.lines.length === 0) throw new NonRetryableError('OrderPlaced has no lines');
  const merged = new Map<string, number>();
  for (const line of payload.lines) {
    if (typeof line?.productId !== 'string' || line.productId.length === 0) {
      throw new NonRetryableError('OrderPlaced line has no productId');
    }
    if (!Number.isSafeInteger(line.quantity) || line.quantity <= 0) {
      throw new NonRetryableError('OrderPlaced line quantity must be a positive integer');
    }
    const total = (merged.get(line.productId) ?? 0) + line.quantity;
    if (total > MAX_QUANTITY) throw new NonRetryableError('OrderPlaced line quantity is too large');
    merged.set(line.productId, total);
  }
  return [...merged].map(([productId, quantity]) => ({ productId, quantity })).sort(byProductId);
}
