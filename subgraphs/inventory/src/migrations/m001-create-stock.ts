import { Migration } from '@limitedcart/common/db';

/**
 * Stock per product. Every movement keeps available + reserved + sold = received (a CHECK, so a bug that would
 * lose or invent stock fails its transaction instead of committing), and no figure can go negative.
 */
export class M001CreateStock extends Migration {
  override up(): void {
    this.addSql(`
      create table stock (
        product_id text primary key,
        available integer not null default 0 check (available >= 0),
        reserved integer not null default 0 check (reserved >= 0),
        sold integer not null default 0 check (sold >= 0),
        received integer not null default 0 check (received >= 0),
        max_per_customer integer check (max_per_customer is null or max_per_customer >= 1),
        active boolean not null default true,
        -- Last products.events snapshot version applied: an older snapshot is ignored.
        product_version integer not null default 0,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint stock_conserved check (available + reserved + sold = received)
      )`);
  }
}
