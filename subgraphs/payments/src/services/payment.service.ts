import { createHmac, randomUUID } from 'node:crypto';
import { requireUser, userError, type Logger, type RequestContext, type UserError } from '@limitedcart/common';
import type { EventEnvelope } from '@limitedcart/common/messaging';
import type { MikroORM, SqlEntityManager } from '@mikro-orm/postgresql';
import type { PaymentOrderState } from '../entities/payment-order.entity.ts';
import { parseCard, type CardInput, type ParsedCard } from './card.ts';
import { emitPaymentEvents } from './payment-events.ts';
import type { PaymentProvider } from './payment-provider.ts';
import { PAYMENT_COLUMNS, toPaymentView, type PaymentRow, type PaymentView } from './payment-rows.ts';

export interface PayOrderInput {
  orderId: string;
  card: CardInput;
  idempotencyKey: string;
}

export interface PayOrderResult {
  payment: PaymentView | null;
  userErrors: UserError[];
}

export interface PaymentServiceOptions {
  orm: MikroORM;
  provider: PaymentProvider;
  logger: Logger;
  /** payments.events topic (prefixed). */
  topic: string;
  /** Keys the idempotency fingerprint of a request (config.paymentWebhookSecret), so no card data can be read back from it. */
  fingerprintSecret: string;
  /**
   * How long payOrder waits for an order that payments has not seen open yet (OrderAwaitingPayment may still be in
   * flight when the client pays right after seeing AWAITING_PAYMENT). Default 2000 ms, polled every 50 ms.
   */
  awaitOrderMs?: number;
  awaitOrderPollMs?: number;
}

const IDEMPOTENCY_KEY_MAX = 200;
const ORDER_ID_MAX = 200;

type Attempt =
  | { kind: 'created'; payment: PaymentView }
  | { kind: 'existing'; row: PaymentRow }
  | { kind: 'error'; error: UserError };

interface LockedOrder {
  customer_id: string | null;
  state: PaymentOrderState;
  amount_minor: string | number | null;
  currency: string | null;
  in_window: boolean | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Payment attempts: payOrder (validated, idempotent per customer and key, serialised per order by the projection row
 * lock, amount from the projection), refunds, and batched reads for the Order fields.
 */
export class PaymentService {
  readonly #orm: MikroORM;
  readonly #provider: PaymentProvider;
  readonly #logger: Logger;
  readonly #topic: string;
  readonly #fingerprintKey: Buffer;
  readonly #awaitMs: number;
  readonly #awaitPollMs: number;

  constructor(options: PaymentServiceOptions) {
    this.#orm = options.orm;
    this.#provider = options.provider;
    this.#logger = options.logger;
    this.#topic = options.topic;
    this.#fingerprintKey = createHmac('sha256', options.fingerprintSecret).update('limitedcart.payments.request-fingerprint').digest();
    this.#awaitMs = options.awaitOrderMs ?? 2_000;
    this.#awaitPollMs = options.awaitOrderPollMs ?? 50;
  }

  /**
   * Pays the caller's order with a card. Checks, in order: input (INVALID_INPUT, nothing else looked at), the
   * idempotency key (same request → the first payment again; another request → IDEMPOTENCY_CONFLICT), the order
   * (unknown or someone else's → NOT_FOUND; not open, past its due time or with a live payment → INVALID_STATE).
   * A declined card records a FAILED payment and returns it with PAYMENT_DECLINED.
   */
  async payOrder(ctx: RequestContext, input: PayOrderInput): Promise<PayOrderResult> {
    const customerId = requireUser(ctx).id;
    const errors: UserError[] = [];
    const key = input.idempotencyKey;
    const keyLength = typeof key === 'string' ? [...key].length : 0;
    if (keyLength < 1 || keyLength > IDEMPOTENCY_KEY_MAX) {
      errors.push(userError('INVALID_INPUT', `idempotencyKey must be 1 to ${IDEMPOTENCY_KEY_MAX} characters.`, ['input', 'idempotencyKey']));
    }
    const parsed = parseCard(input.card);
    if (!parsed.ok) errors.push(...parsed.errors);
    if (errors.length > 0 || !parsed.ok) return { payment: null, userErrors: errors };
    const card = parsed.card;
    const orderId = input.orderId;
    const fingerprint = this.#fingerprint(orderId, card);
    const em = this.#orm.em.fork();

    // A retry of a request already made answers at once, whatever the order's state is now.
    const replay = await this.#byKey(em, customerId, key);
    if (replay) return this.#replay(replay, fingerprint);

    if (orderId.length === 0 || orderId.length > ORDER_ID_MAX) return notFound();
    const seen = await this.#awaitOrder(em, orderId, customerId);
    if (seen === 'not-found') return notFound();
    if (seen === 'placed') return invalidState('The order is not awaiting payment yet.');

    const attempt = await em.transactional(async (tx): Promise<Attempt> => {
      // Serialises every payment change of this order (payOrder, webhooks, projection) on its projection row.
      const [order] = await tx.execute<LockedOrder[]>(
        `select customer_id, state, amount_minor, currency, payment_due_at > now() as in_window
           from payment_order where order_id = ? for update`,
        [orderId],
      );
      if (!order || order.customer_id !== customerId) return { kind: 'error', error: notFoundError() };
      const existing = await this.#byKey(tx, customerId, key);
      if (existing) return { kind: 'existing', row: existing };
      if (order.state !== 'OPEN') {
        return { kind: 'error', error: stateError(order.state === 'PAID' ? 'The order is already paid.' : order.state === 'CLOSED' ? 'The order can no longer be paid.' : 'The order is not awaiting payment yet.') };
      }
      if (!order.in_window) return { kind: 'error', error: stateError('The payment window of this order has closed.') };
      const [live] = await tx.execute<{ status: string }[]>(`select status from payment where order_id = ? and status <> 'FAILED' limit 1`, [orderId]);
      if (live) {
        return { kind: 'error', error: stateError(live.status === 'PENDING' ? 'A payment of this order is still being processed.' : 'The order is already paid.') };
      }
      const amountMinor = Number(order.amount_minor);
      const currency = order.currency!;
      const paymentId = randomUUID();
      const inserted = await tx.execute<PaymentRow[]>(
        `insert into payment (id, order_id, customer_id, idempotency_key, request_fingerprint, last4, amount_minor, currency, status)
         values (?, ?, ?, ?, ?, ?, ?, ?, 'PENDING')
         on conflict (customer_id, idempotency_key) do nothing
         returning ${PAYMENT_COLUMNS}`,
        [paymentId, orderId, customerId, key, fingerprint, card.last4, amountMinor, currency],
      );
      if (inserted.length === 0) {
        // The same key, committed meanwhile by a request for another order (this order's row lock excludes the rest).
        const raced = await this.#byKey(tx, customerId, key);
        if (!raced) throw new Error('payment idempotency conflict without a row');
        return { kind: 'existing', row: raced };
      }
      const decision = await this.#provider.charge(tx, { paymentId, orderId, amountMinor, currency, card });
      let row = inserted[0]!;
      if (decision.status === 'SUCCEEDED') {
        row = await this.#setStatus(tx, paymentId, 'SUCCEEDED', null);
        await emitPaymentEvents(tx, this.#topic, [{ type: 'PaymentSucceeded', payload: { orderId, paymentId, amountMinor, currency } }]);
      } else if (decision.status === 'FAILED') {
        row = await this.#setStatus(tx, paymentId, 'FAILED', decision.reason);
        await emitPaymentEvents(tx, this.#topic, [{ type: 'PaymentFailed', payload: { orderId, paymentId, reason: decision.reason } }]);
      }
      return { kind: 'created', payment: toPaymentView(row) };
    });

    if (attempt.kind === 'error') return { payment: null, userErrors: [attempt.error] };
    if (attempt.kind === 'existing') return this.#replay(attempt.row, fingerprint);
    const payment = attempt.payment;
    ctx.logger.info(
      { paymentId: payment.id, orderId, last4: payment.last4, status: payment.status, failureReason: payment.failureReason ?? undefined },
      'payment attempted',
    );
    return resultOf(payment);
  }

  /** Every payment of each order, oldest first (one query), for the Order fields. */
  async findByOrderIds(orderIds: readonly string[]): Promise<PaymentView[][]> {
    if (orderIds.length === 0) return [];
    const rows = await this.#orm.em
      .fork()
      .execute<PaymentRow[]>(
        `select ${PAYMENT_COLUMNS} from payment where order_id in (${orderIds.map(() => '?').join(', ')}) order by created_at, id`,
        [...orderIds],
      );
    const byOrder = new Map<string, PaymentView[]>();
    for (const row of rows) {
      const list = byOrder.get(row.order_id) ?? [];
      list.push(toPaymentView(row));
      byOrder.set(row.order_id, list);
    }
    return orderIds.map((id) => byOrder.get(id) ?? []);
  }

  /**
   * Starts the refund of the order's SUCCEEDED payment, if it has one (SUCCEEDED → REFUND_PENDING, the provider
   * settles it with refund.succeeded). The caller holds the order's projection row lock. A payment that is already
   * refunding or refunded is left alone: never refunded twice. Returns the payments it started refunding.
   */
  async refundSucceeded(tx: SqlEntityManager, orderId: string, reason: string, cause?: Pick<EventEnvelope, 'id'>): Promise<PaymentView[]> {
    const rows = await tx.execute<PaymentRow[]>(
      `update payment set status = 'REFUND_PENDING', updated_at = clock_timestamp()
        where order_id = ? and status = 'SUCCEEDED'
        returning ${PAYMENT_COLUMNS}`,
      [orderId],
    );
    const refunding = rows.map(toPaymentView);
    for (const p of refunding) {
      await this.#provider.refund(tx, { paymentId: p.id, orderId, amountMinor: p.amountMinor, currency: p.currency });
      this.#logger.info({ paymentId: p.id, orderId, reason, causationId: cause?.id }, 'refund started');
    }
    return refunding;
  }

  #fingerprint(orderId: string, card: ParsedCard): string {
    return createHmac('sha256', this.#fingerprintKey).update(JSON.stringify([orderId, card.last4, card.expMonth, card.expYear])).digest('hex');
  }

  async #byKey(em: SqlEntityManager, customerId: string, key: string): Promise<PaymentRow | undefined> {
    const [row] = await em.execute<PaymentRow[]>(`select ${PAYMENT_COLUMNS} from payment where customer_id = ? and idempotency_key = ?`, [customerId, key]);
    return row;
  }

  #replay(row: PaymentRow, fingerprint: string): PayOrderResult {
    if (row.request_fingerprint !== fingerprint) {
      return {
        payment: null,
        userErrors: [userError('IDEMPOTENCY_CONFLICT', 'This idempotency key was already used for another payment request.', ['input', 'idempotencyKey'])],
      };
    }
    return resultOf(toPaymentView(row));
  }

  /** Waits until payments has seen the order past PLACED; another customer's order is NOT_FOUND at once. */
  async #awaitOrder(em: SqlEntityManager, orderId: string, customerId: string): Promise<'ready' | 'placed' | 'not-found'> {
    const deadline = Date.now() + this.#awaitMs;
    for (;;) {
      const [row] = await em.execute<{ customer_id: string | null; state: PaymentOrderState }[]>(
        'select customer_id, state from payment_order where order_id = ?',
        [orderId],
      );
      if (row && row.customer_id !== null && row.customer_id !== customerId) return 'not-found';
      if (row && row.state !== 'PLACED') return 'ready';
      if (Date.now() >= deadline) return row ? 'placed' : 'not-found';
      await sleep(this.#awaitPollMs);
    }
  }

  async #setStatus(tx: SqlEntityManager, paymentId: string, status: 'SUCCEEDED' | 'FAILED', failureReason: string | null): Promise<PaymentRow> {
    const [row] = await tx.execute<PaymentRow[]>(
      `update payment set status = ?, failure_reason = ?, updated_at = clock_timestamp() where id = ? returning ${PAYMENT_COLUMNS}`,
      [status, failureReason, paymentId],
    );
    return row!;
  }
}

function resultOf(payment: PaymentView): PayOrderResult {
  if (payment.status === 'FAILED') {
    return { payment, userErrors: [userError('PAYMENT_DECLINED', `The card was declined (${payment.failureReason ?? 'declined'}).`)] };
  }
  return { payment, userErrors: [] };
}

function notFoundError(): UserError {
  return userError('NOT_FOUND', 'No order with this id.', ['input', 'orderId']);
}

function stateError(message: string): UserError {
  return userError('INVALID_STATE', message, ['input', 'orderId']);
}

function notFound(): PayOrderResult {
  return { payment: null, userErrors: [notFoundError()] };
}

function invalidState(message: string): PayOrderResult {
  return { payment: null, userErrors: [stateError(message)] };
}
