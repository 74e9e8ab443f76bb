import type { Logger } from '@limitedcart/common';
import { ORDER_AGGREGATE } from '@limitedcart/common/events/order-events';
import { orderEnvelopes, outboxInsertFromJson, type EventEnvelope } from '@limitedcart/common/messaging';
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

/**
 * The one way an order's status changes, inside the caller's transaction: the row is locked, the change checked
 * against the status machine (illegal ones are refused and logged, never applied), then the row, a history entry
 * and the outgoing events (with OrderStatusChanged for live updates) are written together.
 */
export class OrderTransitions {
  readonly #topic: string;
  readonly #logger: Logger;

  constructor(options: { topic: string; logger: Logger }) {
    this.#topic = options.topic;
    this.#logger = options.logger;
  }

  /** Locks and reads an order inside `tx` (null when unknown). */
  async lock(tx: SqlEntityManager, orderId: string): Promise<OrderRecord | null> {
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
    // The row is locked and read: the new version and the events are known before writing, so the row, its history
    // entry and the events go in one statement. The row lock orders this order's events (every writer of an order's
    // events holds it), which is what addToOutbox's per-aggregate lock is for elsewhere.
    const order: OrderRecord = {
      ...current,
      status: request.to,
      version: current.version + 1,
      updatedAt: new Date(),
      failureReason: request.failure === true ? reason : current.failureReason,
      paymentDueAt: request.paymentDueAt ?? current.paymentDueAt,
    };
    const events = [...(request.events?.(order) ?? []), statusChanged(order, current.status, reason)];
    await tx.execute(
      `with changed as (
         update orders set status = ?, version = ?, updated_at = ?, failure_reason = ?, payment_due_at = ? where id = ? returning id
       ), history as (
         insert into order_status_change (order_id, version, status, reason, at) select id, ?, ?, ?, ? from changed
       )
       ${outboxInsertFromJson('?', '?')}`,
      [
        order.status,
        order.version,
        order.updatedAt,
        order.failureReason,
        order.paymentDueAt,
        order.id,
        order.version,
        order.status,
        reason,
        order.updatedAt,
        this.#topic,
        JSON.stringify(orderEnvelopes(ORDER_AGGREGATE, events, request.causedBy)),
      ],
      'run',
    );
    return { kind: 'applied', order, previous: current.status };
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
    const [row] = await tx.execute<OrderRow[]>(
      `update orders set refund_requested_at = now(), failure_reason = ?, updated_at = now()
        where id = ? and refund_requested_at is null returning ${ORDER_COLUMNS}`,
      [reason, orderId],
    );
    if (!row) return null;
    await emitOrderEvents(tx, this.#topic, [{ type: 'OrderRefundRequested', payload: { orderId, reason } }], causedBy);
    return toOrderRecord(row);
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
