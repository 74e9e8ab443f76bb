import type { Logger } from '@limitedcart/common';
import { handleOnce } from '@limitedcart/common/messaging';
import type { MikroORM, SqlEntityManager } from '@mikro-orm/postgresql';
import type { PaymentOrderState } from '../entities/payment-order.entity.ts';
import type { PaymentStatus } from '../entities/payment.entity.ts';
import { emitPaymentEvents } from './payment-events.ts';
import { PROVIDER_EVENT_TYPES, type ProviderEvent } from './payment-provider.ts';
import { PAYMENT_COLUMNS, toPaymentView, type PaymentRow, type PaymentView } from './payment-rows.ts';
import type { PaymentService } from './payment.service.ts';

/** Inbox consumer name of provider webhooks (event ids are the provider's `evt_…`). */
export const WEBHOOK_CONSUMER = 'payments.webhook';

export type WebhookOutcome =
  | { kind: 'applied'; payment: PaymentView; refundStarted: boolean }
  /** Recorded, no effect: the payment is not in the state the event applies to (e.g. already settled). */
  | { kind: 'ignored'; status: PaymentStatus }
  /** Recorded, no effect: no such payment (answered 200 so the provider stops retrying; logged as a warning). */
  | { kind: 'unknown-payment' }
  /** This event id was processed before. */
  | { kind: 'duplicate' };

export interface WebhookServiceOptions {
  orm: MikroORM;
  payments: PaymentService;
  logger: Logger;
  /** payments.events topic (prefixed). */
  topic: string;
}

const MAX_ID = 200;

/** Validates a parsed webhook body; null when it is not a provider event. */
export function parseProviderEvent(value: unknown): ProviderEvent | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as { id?: unknown; type?: unknown; data?: unknown };
  if (typeof v.id !== 'string' || v.id.length === 0 || v.id.length > MAX_ID) return null;
  if (typeof v.type !== 'string' || !(PROVIDER_EVENT_TYPES as readonly string[]).includes(v.type)) return null;
  if (typeof v.data !== 'object' || v.data === null) return null;
  const data = v.data as { paymentId?: unknown; failureReason?: unknown };
  if (typeof data.paymentId !== 'string' || data.paymentId.length === 0 || data.paymentId.length > MAX_ID) return null;
  if (data.failureReason !== undefined && data.failureReason !== null && (typeof data.failureReason !== 'string' || data.failureReason.length > MAX_ID)) return null;
  return {
    id: v.id,
    type: v.type as ProviderEvent['type'],
    data: { paymentId: data.paymentId, ...(typeof data.failureReason === 'string' ? { failureReason: data.failureReason } : {}) },
  };
}

/**
 * The effects of provider webhooks, each event id once (inbox row in the same transaction as the effect):
 * payment.succeeded on PENDING → SUCCEEDED + PaymentSucceeded (and, if the order is CLOSED meanwhile, the refund
 * starts at once); payment.failed on PENDING → FAILED + PaymentFailed; refund.succeeded on REFUND_PENDING → REFUNDED +
 * PaymentRefunded. Anything else is recorded and ignored.
 */
export class WebhookService {
  readonly #orm: MikroORM;
  readonly #payments: PaymentService;
  readonly #logger: Logger;
  readonly #topic: string;

  constructor(options: WebhookServiceOptions) {
    this.#orm = options.orm;
    this.#payments = options.payments;
    this.#logger = options.logger;
    this.#topic = options.topic;
  }

  async handle(event: ProviderEvent): Promise<WebhookOutcome> {
    const done = await handleOnce(this.#orm.em.fork(), WEBHOOK_CONSUMER, event.id, (tx) => this.#apply(tx, event));
    const outcome: WebhookOutcome = done.duplicate ? { kind: 'duplicate' } : done.result;
    const log = { providerEventId: event.id, type: event.type, paymentId: event.data.paymentId };
    if (outcome.kind === 'applied') this.#logger.info({ ...log, status: outcome.payment.status, refundStarted: outcome.refundStarted }, 'payment webhook applied');
    else if (outcome.kind === 'ignored') this.#logger.warn({ ...log, status: outcome.status }, `payment webhook ignored: payment is ${outcome.status}`);
    else if (outcome.kind === 'unknown-payment') this.#logger.warn(log, 'payment webhook for an unknown payment; recorded and ignored');
    else this.#logger.info(log, 'payment webhook already processed');
    return outcome;
  }

  async #apply(tx: SqlEntityManager, event: ProviderEvent): Promise<WebhookOutcome> {
    const paymentId = event.data.paymentId;
    const [ref] = await tx.execute<{ order_id: string }[]>('select order_id from payment where id = ?', [paymentId]);
    if (!ref) return { kind: 'unknown-payment' };
    // Same lock order as payOrder and the projection: the order's row, then its payments.
    const [order] = await tx.execute<{ state: PaymentOrderState }[]>('select state from payment_order where order_id = ? for update', [ref.order_id]);
    switch (event.type) {
      case 'payment.succeeded': {
        const row = await this.#transition(tx, paymentId, 'PENDING', 'SUCCEEDED', null);
        if (!row) return this.#ignored(tx, paymentId);
        const p = toPaymentView(row);
        await emitPaymentEvents(tx, this.#topic, [
          { type: 'PaymentSucceeded', payload: { orderId: p.orderId, paymentId, amountMinor: p.amountMinor, currency: p.currency } },
        ]);
        // The order was cancelled, expired or asked for a refund while the payment was pending: give the money back.
        if (order?.state === 'CLOSED') {
          const [refunding] = await this.#payments.refundSucceeded(tx, p.orderId, 'order closed before the payment settled');
          if (refunding) return { kind: 'applied', payment: refunding, refundStarted: true };
        }
        return { kind: 'applied', payment: p, refundStarted: false };
      }
      case 'payment.failed': {
        const reason = event.data.failureReason ?? 'payment_failed';
        const row = await this.#transition(tx, paymentId, 'PENDING', 'FAILED', reason);
        if (!row) return this.#ignored(tx, paymentId);
        const p = toPaymentView(row);
        await emitPaymentEvents(tx, this.#topic, [{ type: 'PaymentFailed', payload: { orderId: p.orderId, paymentId, reason } }]);
        return { kind: 'applied', payment: p, refundStarted: false };
      }
      case 'refund.succeeded': {
        const row = await this.#transition(tx, paymentId, 'REFUND_PENDING', 'REFUNDED', null);
        if (!row) return this.#ignored(tx, paymentId);
        const p = toPaymentView(row);
        await emitPaymentEvents(tx, this.#topic, [
          { type: 'PaymentRefunded', payload: { orderId: p.orderId, paymentId, amountMinor: p.amountMinor, currency: p.currency } },
        ]);
        return { kind: 'applied', payment: p, refundStarted: false };
      }
    }
  }

  async #transition(tx: SqlEntityManager, paymentId: string, from: PaymentStatus, to: PaymentStatus, failureReason: string | null): Promise<PaymentRow | undefined> {
    const [row] = await tx.execute<PaymentRow[]>(
      `update payment set status = ?, failure_reason = coalesce(?, failure_reason), updated_at = clock_timestamp()
        where id = ? and status = ? returning ${PAYMENT_COLUMNS}`,
      [to, failureReason, paymentId, from],
    );
    return row;
  }

  async #ignored(tx: SqlEntityManager, paymentId: string): Promise<WebhookOutcome> {
    const [row] = await tx.execute<{ status: PaymentStatus }[]>('select status from payment where id = ?', [paymentId]);
    return { kind: 'ignored', status: row!.status };
  }
}
