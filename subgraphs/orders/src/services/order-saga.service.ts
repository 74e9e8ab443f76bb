import type { Logger } from '@limitedcart/common';
import type { AdmissionGate } from '@limitedcart/common/admission';
import { INVENTORY_EVENTS, type StockRejectedPayload, type StockReservedPayload } from '@limitedcart/common/events/inventory-events';
import { PAYMENT_EVENTS, type PaymentFailedPayload } from '@limitedcart/common/events/payment-events';
import { handleEachOnce, NonRetryableError, type EventEnvelope } from '@limitedcart/common/messaging';
import type { MikroORM, SqlEntityManager } from '@mikro-orm/postgresql';
import { isUuid } from './order-record.ts';
import type { OrderTransitions, TransitionResult } from './order-transitions.ts';

/** Inbox consumer name of the saga's handlers (inventory.events and payments.events). */
export const SAGA_CONSUMER = 'orders.saga';

export type SagaOutcome = TransitionResult['kind'] | 'refund-requested' | 'noted' | 'duplicate';

/**
 * The saga's orchestrator: inventory's and payments' events move orders through the status machine. Each event is
 * handled once (inbox row in the transaction of its effect); illegal moves are refused and logged by OrderTransitions.
 */
export class OrderSagaService {
  readonly #orm: MikroORM;
  readonly #transitions: OrderTransitions;
  readonly #gate: AdmissionGate;
  readonly #logger: Logger;

  constructor(options: { orm: MikroORM; transitions: OrderTransitions; gate: AdmissionGate; logger: Logger }) {
    this.#orm = options.orm;
    this.#transitions = options.transitions;
    this.#gate = options.gate;
    this.#logger = options.logger;
  }

  /**
   * The inventory.events and payments.events types the saga acts on: the consumer takes only these, and the saga skips
   * any other, so a type handled in #step but missing here fails its own test instead of being dropped by the bus.
   */
  static readonly EVENT_TYPES: readonly string[] = [
    INVENTORY_EVENTS.reserved,
    INVENTORY_EVENTS.rejected,
    INVENTORY_EVENTS.holdExpired,
    PAYMENT_EVENTS.succeeded,
    PAYMENT_EVENTS.failed,
    PAYMENT_EVENTS.refunded,
  ];
  static readonly #eventTypes = new Set(OrderSagaService.EVENT_TYPES);

  /** Routes an inventory.events or payments.events envelope (EVENT_TYPES); other types are skipped (undefined). */
  async handle(envelope: EventEnvelope): Promise<SagaOutcome | undefined> {
    const [outcome] = await this.handleBatch([envelope]);
    return outcome;
  }

  /**
   * A batch of inventory.events / payments.events (the bus's batch handler, and handle() with one): every step in one
   * transaction with one inbox statement, in partition order, its orders locked and written a statement each; then,
   * once for all, the admissions of rejected orders go back (the commit has woken the relay).
   */
  async handleBatch(envelopes: readonly EventEnvelope[]): Promise<(SagaOutcome | undefined)[]> {
    const steps = envelopes.map((envelope) => {
      const step = this.#step(envelope);
      return step ? { envelope, id: envelope.id, step, orderId: orderIdOf(envelope.payload) } : null;
    });
    const acting = steps.filter((s) => s !== null);
    // One statement locks the batch's orders and one writes their changes (OrderTransitions' batch).
    const done = await handleEachOnce(this.#orm.em.fork(), SAGA_CONSUMER, acting, (tx, s) => s.step(tx, s.orderId), {
      before: (tx, fresh) => this.#transitions.begin(tx, fresh.map((s) => s.orderId)),
      after: (tx) => this.#transitions.flush(tx),
    });
    const outcomes = new Map(acting.map((s, i) => [s, done[i]!.duplicate ? ('duplicate' as const) : done[i]!.result]));
    // Nothing is held for a rejected order: its admission goes back (idempotent, so also after a redelivery or a cancel
    // that came first).
    await Promise.all(acting.filter((s) => s.envelope.type === INVENTORY_EVENTS.rejected).map((s) => this.#gate.release(s.orderId)));
    return steps.map((s) => (s ? outcomes.get(s) : undefined));
  }

  #step(envelope: EventEnvelope): ((tx: SqlEntityManager, orderId: string) => Promise<SagaOutcome>) | undefined {
    if (!OrderSagaService.#eventTypes.has(envelope.type)) return undefined;
    const causedBy = envelope;
    const t = this.#transitions;
    switch (envelope.type) {
      case INVENTORY_EVENTS.reserved: {
        const { holdExpiresAt } = envelope.payload as StockReservedPayload;
        const due = new Date(holdExpiresAt);
        if (Number.isNaN(due.getTime())) throw new NonRetryableError('StockReserved has no valid holdExpiresAt');
        return async (tx, orderId) =>
          (
            await t.apply(tx, {
              orderId,
              to: 'AWAITING_PAYMENT',
              paymentDueAt: due,
              causedBy,
              events: (o) => [
                {
                  type: 'OrderAwaitingPayment',
                  payload: { orderId, customerId: o.customerId, amountMinor: o.totalMinor, currency: o.currency, paymentDueAt: due.toISOString() },
                },
              ],
            })
          ).kind;
      }
      case INVENTORY_EVENTS.rejected: {
        const { reason } = envelope.payload as StockRejectedPayload;
        const text = reason === 'UNKNOWN_PRODUCT' ? 'unknown_product' : 'out_of_stock';
        return async (tx, orderId) => (await t.apply(tx, { orderId, to: 'REJECTED', reason: text, failure: true, causedBy })).kind;
      }
      case INVENTORY_EVENTS.holdExpired:
        return async (tx, orderId) => {
          const order = await t.lock(tx, orderId);
          if (order?.status === 'CONFIRMED') {
            // Paid just as the hold lapsed: the stock went back, so the money must too.
            this.#logger.warn({ orderId }, 'hold expired under a confirmed order; refunding it');
            const requested = await t.requestRefund(tx, orderId, 'the stock hold expired before the payment settled', causedBy);
            return requested ? 'refund-requested' : 'noted';
          }
          return (
            await t.apply(tx, {
              orderId,
              to: 'EXPIRED',
              reason: 'payment_window_expired',
              failure: true,
              causedBy,
              events: () => [{ type: 'OrderExpired', payload: { orderId } }],
            }, order)
          ).kind;
        };
      case PAYMENT_EVENTS.succeeded:
        return async (tx, orderId) =>
          (await t.apply(tx, { orderId, to: 'CONFIRMED', causedBy, events: () => [{ type: 'OrderConfirmed', payload: { orderId } }] })).kind;
      case PAYMENT_EVENTS.failed: {
        const { reason } = envelope.payload as PaymentFailedPayload;
        return async (_tx, orderId) => {
          this.#logger.info({ orderId, reason }, 'payment declined; the order still awaits payment');
          return 'noted';
        };
      }
      case PAYMENT_EVENTS.refunded:
        return async (tx, orderId) => {
          const order = await t.lock(tx, orderId);
          return (
            await t.apply(tx, {
              orderId,
              to: 'REFUNDED',
              reason: order?.failureReason ?? 'refunded',
              failure: true,
              causedBy,
              events: () => [{ type: 'OrderRefunded', payload: { orderId } }],
            }, order)
          ).kind;
        };
      default:
        return undefined;
    }
  }
}

function orderIdOf(payload: unknown): string {
  const orderId = (payload as { orderId?: unknown } | null)?.orderId;
  if (!isUuid(orderId)) throw new NonRetryableError('event payload has no valid orderId');
  return orderId;
}
