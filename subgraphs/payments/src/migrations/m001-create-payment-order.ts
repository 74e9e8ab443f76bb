import { Migration } from '@limitedcart/common/db';

/**
 * payment_order: payments' own projection of orders.events — who owns an order, what it costs and whether it can be
 * paid. States only move forward (PLACED → OPEN → PAID → CLOSED; OPEN → CLOSED), so a late or replayed event never
 * reopens an order. Every change to an order's payments locks this row first: payments of one order are serialised.
 */
export class M001CreatePaymentOrder extends Migration {
  override up(): void {
    this.addSql(`
      create table payment_order (
        order_id text primary key,
        -- Null only for a row first created by an event without a customer (OrderCancelled before anything else).
        customer_id text,
        state text not null check (state in ('PLACED', 'OPEN', 'PAID', 'CLOSED')),
        amount_minor bigint check (amount_minor is null or amount_minor >= 0),
        currency text,
        payment_due_at timestamptz,
        -- Why it was closed (OrderCancelled, OrderExpired, OrderRefundRequested): any payment of a CLOSED order that
        -- succeeds is refunded at once.
        closed_reason text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint payment_order_open_has_amount check (state <> 'OPEN' or (amount_minor is not null and currency is not null and payment_due_at is not null))
      )`);
  }
}
