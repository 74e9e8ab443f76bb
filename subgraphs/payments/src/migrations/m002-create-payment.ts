import { Migration } from '@limitedcart/common/db';

/**
 * payment: one row per attempt. Card data is never stored: only last4 and a keyed fingerprint of the request
 * (order, last4, expiry) for idempotency-key replays. The partial unique index is the last line of defence against a
 * double charge: an order has at most one attempt that is not FAILED.
 */
export class M002CreatePayment extends Migration {
  override up(): void {
    this.addSql(`
      create table payment (
        id text primary key,
        order_id text not null references payment_order (order_id),
        customer_id text not null,
        idempotency_key text not null check (char_length(idempotency_key) between 1 and 200),
        request_fingerprint text not null,
        last4 text not null check (last4 ~ '^[0-9]{4}$'),
        amount_minor bigint not null check (amount_minor >= 0),
        currency text not null,
        status text not null check (status in ('PENDING', 'SUCCEEDED', 'FAILED', 'REFUND_PENDING', 'REFUNDED')),
        failure_reason text,
        created_at timestamptz not null default clock_timestamp(),
        updated_at timestamptz not null default clock_timestamp(),
        constraint payment_idempotency_key unique (customer_id, idempotency_key)
      )`);
    this.addSql(`create unique index payment_one_live_per_order on payment (order_id) where status <> 'FAILED'`);
    this.addSql('create index payment_order_idx on payment (order_id, created_at)');
  }
}
