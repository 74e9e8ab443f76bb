import { Migration } from '@limitedcart/common/db';

/**
 * Orders, their lines and their status history. `version` counts the history rows (1 = PENDING): it orders live
 * updates and lets receivers drop duplicates. (customer_id, idempotency_key) is unique: one order per key.
 */
export class M002CreateOrders extends Migration {
  override up(): void {
    this.addSql(`
      create table orders (
        id uuid primary key,
        customer_id text not null,
        status text not null check (status in
          ('PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'REJECTED', 'EXPIRED', 'CANCELLED', 'REFUNDED')),
        total_minor bigint not null check (total_minor > 0),
        currency text not null,
        failure_reason text,
        payment_due_at timestamptz,
        refund_requested_at timestamptz,
        idempotency_key text not null,
        request_hash text not null,
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (customer_id, idempotency_key)
      )`);
    // myOrders: newest first per customer (keyset on created_at, id), optionally by status.
    this.addSql('create index orders_customer_created_idx on orders (customer_id, created_at desc, id desc)');
    // Gate restore at start-up reads the live orders.
    this.addSql(`create index orders_live_idx on orders (status) where status in ('PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'DELIVERED')`);
    this.addSql(`
      create table order_line (
        order_id uuid not null references orders (id) on delete cascade,
        position integer not null,
        product_id text not null,
        quantity integer not null check (quantity > 0),
        unit_price_minor bigint not null check (unit_price_minor > 0),
        primary key (order_id, position)
      )`);
    this.addSql(`
      create table order_status_change (
        order_id uuid not null references orders (id) on delete cascade,
        version integer not null,
        status text not null,
        reason text,
        at timestamptz not null default now(),
        primary key (order_id, version)
      )`);
  }
}
