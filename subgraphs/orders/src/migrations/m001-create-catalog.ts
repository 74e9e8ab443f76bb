import { Migration } from '@limitedcart/common/db';

/**
 * Orders' own copy of the catalog, fed by products.events (event-carried state): carts and placeOrder price and
 * check products without calling products. `version` drops stale or repeated snapshots.
 */
export class M001CreateCatalog extends Migration {
  override up(): void {
    this.addSql(`
      create table catalog_product (
        id text primary key,
        name text not null,
        price_minor bigint not null check (price_minor > 0),
        currency text not null,
        max_per_customer integer check (max_per_customer is null or max_per_customer >= 1),
        active boolean not null,
        version integer not null,
        updated_at timestamptz not null default now()
      )`);
  }
}
