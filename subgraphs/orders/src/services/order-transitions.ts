import type { Logger } from '@limitedcart/common';
import { ORDER_AGGREGATE } from '@limitedcart/common/events/order-events';
import { noteOutboxRows, orderEnvelopes, outboxInsertFromJson, type EventEnvelope } from '@limitedcart/common/messaging';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { emitOrderEvents, type OrderEvent } from './order-events.ts';
import { ORDER_COLUMNS, toOrderRecord, type OrderRecord, type OrderRow } from './order-record.ts';
import { canTransition, type OrderStatus } from './order-status.ts';

export interface TransitionRequest {
  orderId: string;
  to: OrderStatus;
  /** Kept in the status history (and as failureReason when `failure` is set). */
  reason?: string | null;
  /** Also sets failureReason (REJECTED, EXPIRED, CANCELLED, REFUNDED). */
  failure?: boolean;
  paymentDueAt?: Date;
  /** Events that go out with the change (OrderStatusChanged is added by the transition itself). */
  events?: (order: OrderRecord) => OrderEvent[];
  /** The event that caused the change (causation and correlation ids). */
  causedBy?: Pick<EventEnvelope, 'id' | 'metadata'>;
}

export type TransitionResult =
  | { kind: 'applied'; order: OrderRecord; previous: OrderStatus }
  | { kind: 'refused'; order: OrderRecord }
  | { kind: 'missing' };

/** A status change decided under the row lock, not yet written. */
interface Change {
  order: OrderRecord;
  reason: string | null;
  envelopes: EventEnvelope[];
}

/** A batch of steps in one transaction (begin … flush): the orders it locked and the changes not yet written. */
interface Batch {
  locked: Map<string, OrderRecord | null>;
  changes: Change[];
}

/**
 * The one way an order's status changes, inside the caller's transaction: the row is locked, the change checked
 * against the status machine (illegal ones are refused and logged, never applied), then the row, a history entry
 * and the outgoing events (with OrderStatusChanged for live updates) are written together.
 *
 * A batch of saga steps (begin, then apply/lock as usual, then flush) locks all its orders in one statement and
 * writes all its changes in another, so a batch costs the same few round trips however many orders it moves.
 */
export class OrderTransitions {
  readonly #topic: string;
  readonly #logger: Logger;
  readonly #batches = new WeakMap<SqlEntityManager, Batch>();

  constructor(options: { topic: string; logger: Logger }) {
    this.#topic = options.topic;
    this.#logger = options.logger;
  }

  /**
   * Starts a batch in `tx`: locks `orderIds` in one statement, in id order (batches sharing orders wait for each
   * other instead of deadlocking), and from here apply() only records its changes, until flush(tx) writes them.
   */
  async begin(tx: SqlEntityManager, orderIds: readonly string[]): Promise<void> {
    const ids = [...new Set(orderIds)];
    const rows = await tx.execute<OrderRow[]>(
      `select ${ORDER_COLUMNS} from orders where id in (select jsonb_array_elements_text(?::jsonb)::uuid) order by id for update`,
      [JSON.stringify(ids)],
    );
    const locked = new Map<string, OrderRecord | null>(ids.map((id) => [id, null]));
    for (const row of rows) locked.set(row.id, toOrderRecord(row));
    this.#batches.set(tx, { locked, changes: [] });
  }

  /** Writes the batch's changes in one statement and ends the batch. */
  async flush(tx: SqlEntityManager): Promise<void> {
    const batch = this.#batches.get(tx);
    this.#batches.delete(tx);
    if (batch) await this.#write(tx, batch.changes);
  }

  /** Locks and reads an order inside `tx` (null when unknown); in a batch, as the batch last left it. */
  async lock(tx: SqlEntityManager, orderId: string): Promise<OrderRecord | null> {
    const batch = this.#batches.get(tx);
    if (batch?.locked.has(orderId)) return batch.locked.get(orderId) ?? null;
    const [row] = await tx.execute<OrderRow[]>(`select ${ORDER_COLUMNS} from orders where id = ? for update`, [orderId]);
    return row ? toOrderRecord(row) : null;
  }

  /** `locked`: the order as the caller already locked and read it in `tx` (saves reading it twice). */
  async apply(tx: SqlEntityManager, request: TransitionRequest, locked?: OrderRecord | null): Promise<TransitionResult> {
    const current = locked === undefined ? await this.lock(tx, request.orderId) : locked;
    if (!current) return { kind: 'missing' };
    if (!canTransition(current.status, request.to)) {
      this.#logger.warn(
        { orderId: current.id, from: current.status, to: request.to, causationId: request.causedBy?.id },
        `illegal order transition ${current.status} → ${request.to} refused`,
      );
      return { kind: 'refused', order: current };
    }
    const reason = request.reason ?? null;
    // The row is locked and read: the new version and the events are known before writing.
    const order: OrderRecord = {
      ...current,
      status: request.to,
      version: current.version + 1,
      updatedAt: new Date(),
      failureReason: request.failure === true ? reason : current.failureReason,
      paymentDueAt: request.paymentDueAt ?? current.paymentDueAt,
    };
    const events = [...(request.events?.(order) ?? []), statusChanged(order, current.status, reason)];
    const change = { order, reason, envelopes: orderEnvelopes(ORDER_AGGREGATE, events, request.causedBy) };
    const batch = this.#batches.get(tx);
    if (batch) {
      batch.locked.set(order.id, order);
      batch.changes.push(change);
    } else {
      await this.#write(tx, [change]);
    }
    return { kind: 'applied', order, previous: current.status };
  }

  /**
   * The rows (each order as its last change left it), one history entry per change and the events, in one
   * statement. The row locks order each order's events (every writer of an order's events holds it), which is what
   * addToOutbox's per-aggregate lock is for elsewhere.
   */
  async #write(tx: SqlEntityManager, changes: readonly Change[]): Promise<void> {
    if (changes.length === 0) return;
    const rows = new Map(changes.map(({ order }) => [order.id, order]));
    await tx.execute(
      `with changed as (
         update orders set status = t.status, version = t.version, updated_at = t.updated_at, failure_reason = t.failure_reason,
                payment_due_at = t.payment_due_at
           from jsonb_to_recordset(?::jsonb) as t (id uuid, status text, version integer, updated_at timestamptz, failure_reason text, payment_due_at timestamptz)
          where orders.id = t.id
       ), history as (
         insert into order_status_change (order_id, version, status, reason, at)
         select order_id, version, status, reason, at
           from jsonb_to_recordset(?::jsonb) as h (order_id uuid, version integer, status text, reason text, at timestamptz)
       )
       ${outboxInsertFromJson('?', '?')}`,
      [
        JSON.stringify(
          [...rows.values()].map((o) => ({
            id: o.id,
            status: o.status,
            version: o.version,
            updated_at: o.updatedAt,
            failure_reason: o.failureReason,
            payment_due_at: o.paymentDueAt,
          })),
        ),
        JSON.stringify(changes.map(({ order: o, reason }) => ({ order_id: o.id, version: o.version, status: o.status, reason, at: o.updatedAt }))),
        this.#topic,
        JSON.stringify(changes.flatMap((c) => c.envelopes)),
      ],
      'run',
    );
    noteOutboxRows(tx);
  }

  /**
   * A paid order must be refunded (cancelled after payment, or its hold lapsed while the payment settled): marked
   * once, and payments is asked through OrderRefundRequested. The status stays CONFIRMED until PaymentRefunded.
   * Null when a refund was already requested.
   */
  async requestRefund(
    tx: SqlEntityManager,
    orderId: string,
    reason: string,
    causedBy?: Pick<EventEnvelope, 'id' | 'metadata'>,
  ): Promise<OrderRecord | null> {
    // In a batch, what it recorded goes first: this writes the row too, and its event follows theirs.
    const batch = this.#batches.get(tx);
    if (batch) {
      await this.#write(tx, batch.changes);
      batch.changes = [];
    }
    const [row] = await tx.execute<OrderRow[]>(
      `update orders set refund_requested_at = now(), failure_reason = ?, updated_at = now()
        where id = ? and refund_requested_at is null returning ${ORDER_COLUMNS}`,
      [reason, orderId],
    );
    if (!row) return null;
    await emitOrderEvents(tx, this.#topic, [{ type: 'OrderRefundRequested', payload: { orderId, reason } }], causedBy);
    const order = toOrderRecord(row);
    batch?.locked.set(orderId, order);
    return order;
  }
}

export function statusChanged(order: OrderRecord, previous: OrderStatus | null, reason: string | null): OrderEvent {
  return {
    type: 'OrderStatusChanged',
    payload: {
      orderId: order.id,
      customerId: order.customerId,
      status: order.status,
      previousStatus: previous,
      at: order.updatedAt.toISOString(),
      version: order.version,
      ...(reason ? { reason } : {}),
    },
  };
}
