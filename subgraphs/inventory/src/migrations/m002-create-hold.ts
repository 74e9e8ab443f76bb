import { Migration } from '@limitedcart/common/db';

/**
 * Holds: one row per order (its state, the row transitions lock) and its lines. The state lives on the order row so
 * that confirm, cancel and the expiry sweeper serialize on one row per order, and HoldExpired is emitted once.
 */
export class M002CreateHold extends Migration {
  override up(): void {
    this.addSql(`
      create table hold (
        order_id text primary key,
        customer_id text not null,
        status text not null check (status in ('HELD', 'COMMITTED', 'RELEASED', 'EXPIRED', 'RETURNED', 'REJECTED')),
        reject_reason text,
        expires_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`);
    // The sweeper's only query: lapsed HELD rows, oldest first.
    this.addSql(`create index hold_held_expiry_idx on hold (expires_at) where status = 'HELD'`);
    this.addSql(`
      create table hold_line (
        order_id text not null references hold (order_id) on delete cascade,
        product_id text not null references stock (product_id),
        quantity integer not null check (quantity > 0),
        primary key (order_id, product_id)
      )`);
    this.addSql('create index hold_line_product_idx on hold_line (product_id)');
  }
}
