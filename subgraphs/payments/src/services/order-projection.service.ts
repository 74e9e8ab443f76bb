import type { Logger } from '@limitedcart/common';
import {
  ORDER_EVENTS,
  type OrderAwaitingPaymentPayload,
  type OrderPlacedPayload,
} from '@limitedcart/common/events/order-events';
import { handleEachOnce, NonRetryableError, type EventEnvelope } from '@limitedcart/common/messaging';
import type { MikroORM, SqlEntityManager } from '@mikro-orm/postgresql';
import type { PaymentService } from './payment.service.ts';

/** Inbox consumer name of the orders.events handlers. */
export const ORDER_EVENTS_CONSUMER = 'payments.order-events';

export type ProjectionOutcome =
  | { kind: 'applied'; refunded: string[] }
  | { kind: 'ignored' }
  | { kind: 'duplicate' };

export interface OrderProjectionServiceOptions {
  orm: MikroORM;
  payments: PaymentService;
  logger: Logger;
}

type CloseReason = 'CANCELLED' | 'EXPIRED' | 'REFUND_REQUESTED';

/**
 * payments' view of orders, from orders.events, each event applied once (inbox row in the same transaction):
 * OrderPlaced → PLACED; OrderAwaitingPayment → OPEN with the amount and due time (the row is created if OrderPlaced
 * was missed); OrderConfirmed → PAID; OrderCancelled / OrderExpired / OrderRefundRequested → CLOSED, and a SUCCEEDED
 * payment is refunded. A payment that is still PENDING when its order closes is refunded as soon as it succeeds
 * (WebhookService checks the CLOSED state). States never move backwards.
 */
export class OrderProjectionService {
  readonly #orm: MikroORM;
  readonly #payments: PaymentService;
  readonly #logger: Logger;
  /** The rows a batch's transaction created and locked up front (#lockRows). */
  readonly #locked = new WeakMap<SqlEntityManager, Set<string>>();

  constructor(options: OrderProjectionServiceOptions) {
    this.#orm = options.orm;
    this.#payments = options.payments;
    this.#logger = options.logger;
  }

  /**
   * The orders.events types the projection acts on: the consumer takes only these, and the projection skips any other,
   * so a type handled in #effect but missing here fails its own test instead of being dropped by the bus.
   */
  static readonly EVENT_TYPES: readonly string[] = [
    ORDER_EVENTS.placed,
    ORDER_EVENTS.awaitingPayment,
    ORDER_EVENTS.confirmed,
    ORDER_EVENTS.cancelled,
    ORDER_EVENTS.expired,
    ORDER_EVENTS.refundRequested,
  ];
  static readonly #eventTypes = new Set(OrderProjectionService.EVENT_TYPES);

  /** Routes an orders.events envelope (EVENT_TYPES); other types are skipped (undefined). */
  async handle(envelope: EventEnvelope): Promise<ProjectionOutcome | undefined> {
    const [outcome] = await this.handleBatch([envelope]);
    return outcome;
  }

  /**
   * A batch of orders.events (the bus's batch handler, and handle() with one): one transaction and one inbox
   * statement, in order; the rows of the batch's orders are created and locked by one statement first.
   */
  async handleBatch(envelopes: readonly EventEnvelope[]): Promise<(ProjectionOutcome | undefined)[]> {
    const effects = envelopes.map((envelope) => {
      const apply = this.#effect(envelope);
      if (!apply) return null;
      const { orderId, customerId } = envelope.payload as { orderId: string; customerId?: unknown };
      return { id: envelope.id, apply, orderId, customerId: typeof customerId === 'string' && customerId.length > 0 ? customerId : null };
    });
    const acting = effects.filter((e) => e !== null);
    const done = await handleEachOnce(this.#orm.em.fork(), ORDER_EVENTS_CONSUMER, acting, (tx, e) => e.apply(tx), {
      before: (tx, fresh) => this.#lockRows(tx, fresh),
    });
    const outcomes = new Map(acting.map((e, i) => [e, done[i]!.duplicate ? ({ kind: 'duplicate' } as const) : done[i]!.result]));
    return effects.map((e) => (e ? outcomes.get(e) : undefined));
  }

  #effect(envelope: EventEnvelope): ((tx: SqlEntityManager) => Promise<ProjectionOutcome>) | undefined {
    if (!OrderProjectionService.#eventTypes.has(envelope.type)) return undefined;
    const apply = (fn: (tx: SqlEntityManager) => Promise<ProjectionOutcome>) => {
      validOrderId(envelope.payload);
      return fn;
    };
    switch (envelope.type) {
      case ORDER_EVENTS.placed:
        return apply((tx) => this.#placed(tx, envelope as EventEnvelope<OrderPlacedPayload>));
      case ORDER_EVENTS.awaitingPayment:
        return apply((tx) => this.#awaitingPayment(tx, envelope as EventEnvelope<OrderAwaitingPaymentPayload>));
      case ORDER_EVENTS.confirmed:
        return apply((tx) => this.#confirmed(tx, envelope));
      case ORDER_EVENTS.cancelled:
        return apply((tx) => this.#close(tx, envelope, 'CANCELLED'));
      case ORDER_EVENTS.expired:
        return apply((tx) => this.#close(tx, envelope, 'EXPIRED'));
      case ORDER_EVENTS.refundRequested:
        return apply((tx) => this.#close(tx, envelope, 'REFUND_REQUESTED'));
      default:
        return undefined;
    }
  }

  async #placed(tx: SqlEntityManager, envelope: EventEnvelope<OrderPlacedPayload>): Promise<ProjectionOutcome> {
    const { orderId, customerId } = envelope.payload;
    if (typeof customerId !== 'string' || customerId.length === 0) throw new NonRetryableError('OrderPlaced has no customerId');
    await this.#lockRow(tx, orderId, customerId);
    return { kind: 'applied', refunded: [] };
  }

  async #awaitingPayment(tx: SqlEntityManager, envelope: EventEnvelope<OrderAwaitingPaymentPayload>): Promise<ProjectionOutcome> {
    const { orderId, customerId, amountMinor, currency, paymentDueAt } = envelope.payload;
    if (typeof customerId !== 'string' || customerId.length === 0) throw new NonRetryableError('OrderAwaitingPayment has no customerId');
    if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) throw new NonRetryableError('OrderAwaitingPayment amountMinor must be a non-negative integer');
    if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) throw new NonRetryableError('OrderAwaitingPayment currency must be an ISO 4217 code');
    const due = typeof paymentDueAt === 'string' ? new Date(paymentDueAt) : null;
    if (!due || Number.isNaN(due.getTime())) throw new NonRetryableError('OrderAwaitingPayment paymentDueAt must be an ISO-8601 time');
    await this.#lockRow(tx, orderId, customerId);
    const opened = await tx.execute<{ affectedRows: number }>(
      `update payment_order set state = 'OPEN', amount_minor = ?, currency = ?, payment_due_at = ?, updated_at = now()
        where order_id = ? and state = 'PLACED'`,
      [amountMinor, currency, due, orderId],
      'run',
    );
    if (opened.affectedRows === 0) return this.#ignored(tx, envelope, 'PLACED');
    return { kind: 'applied', refunded: [] };
  }

  async #confirmed(tx: SqlEntityManager, envelope: EventEnvelope): Promise<ProjectionOutcome> {
    const { orderId } = envelope.payload as { orderId: string };
    await this.#lockRow(tx, orderId, null);
    const paid = await tx.execute<{ affectedRows: number }>(
      `update payment_order set state = 'PAID', updated_at = now() where order_id = ? and state in ('PLACED', 'OPEN')`,
      [orderId],
      'run',
    );
    if (paid.affectedRows === 0) return this.#ignored(tx, envelope, 'PLACED or OPEN');
    return { kind: 'applied', refunded: [] };
  }

  /** Closes the order (no further payments) and refunds its SUCCEEDED payment; a PENDING one is refunded once it succeeds. */
  async #close(tx: SqlEntityManager, envelope: EventEnvelope, reason: CloseReason): Promise<ProjectionOutcome> {
    const { orderId } = envelope.payload as { orderId: string };
    await this.#lockRow(tx, orderId, null);
    await tx.execute(
      `update payment_order set state = 'CLOSED', closed_reason = ?, updated_at = now() where order_id = ? and state <> 'CLOSED'`,
      [reason, orderId],
      'run',
    );
    const refunded = await this.#payments.refundSucceeded(tx, orderId, reason, envelope);
    if (reason === 'REFUND_REQUESTED' && refunded.length === 0) {
      const [live] = await tx.execute<{ status: string }[]>(
        `select status from payment where order_id = ? and status <> 'FAILED' order by created_at desc limit 1`,
        [orderId],
      );
      if (live?.status === 'PENDING') this.#logger.info({ orderId }, 'refund requested while the payment is pending: it is refunded once it succeeds');
      else this.#logger.warn({ orderId, status: live?.status ?? null }, 'refund requested, but the order has no succeeded payment to refund');
    }
    return { kind: 'applied', refunded: refunded.map((p) => p.id) };
  }

  /**
   * Creates the rows of a batch's orders where missing (customer unknown for events that do not carry it) and locks
   * them, in order id order (batches sharing orders wait instead of deadlocking); #lockRow then has nothing to do.
   */
  async #lockRows(tx: SqlEntityManager, events: readonly { orderId: string; customerId: string | null }[]): Promise<void> {
    const customers = new Map<string, string | null>();
    for (const e of events) if (!customers.get(e.orderId)) customers.set(e.orderId, e.customerId);
    if (customers.size === 0) return;
    await tx.execute(
      `insert into payment_order (order_id, customer_id, state)
       select t.order_id, t.customer_id, 'PLACED' from jsonb_to_recordset(?::jsonb) as t (order_id text, customer_id text) order by t.order_id
       on conflict (order_id) do update set customer_id = coalesce(payment_order.customer_id, excluded.customer_id)`,
      [JSON.stringify([...customers].map(([order_id, customer_id]) => ({ order_id, customer_id })))],
      'run',
    );
    this.#locked.set(tx, new Set(customers.keys()));
  }

  /**
   * Creates the order's row if it is missing (customer unknown for events that do not carry it) and locks it, so
   * every change of one order's payments is serialised on this row.
   */
  async #lockRow(tx: SqlEntityManager, orderId: string, customerId: string | null): Promise<void> {
    if (this.#locked.get(tx)?.has(orderId)) return;
    await tx.execute(
      `insert into payment_order (order_id, customer_id, state) values (?, ?, 'PLACED')
       on conflict (order_id) do update set customer_id = coalesce(payment_order.customer_id, excluded.customer_id)`,
      [orderId, customerId],
      'run',
    );
  }

  async #ignored(tx: SqlEntityManager, envelope: EventEnvelope, expected: string): Promise<ProjectionOutcome> {
    const { orderId } = envelope.payload as { orderId: string };
    const [row] = await tx.execute<{ state: string }[]>('select state from payment_order where order_id = ?', [orderId]);
    this.#logger.warn({ orderId, eventType: envelope.type, eventId: envelope.id, state: row?.state }, `${envelope.type} ignored: order is ${row?.state}, expected ${expected}`);
    return { kind: 'ignored' };
  }
}

function validOrderId(payload: unknown): string {
  const orderId = (payload as { orderId?: unknown } | null)?.orderId;
  if (typeof orderId !== 'string' || orderId.length === 0) throw new NonRetryableError('event payload has no orderId');
  return orderId;
}
