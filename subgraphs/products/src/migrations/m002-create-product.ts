import { Migration } from '@limitedcart/common/db';

export class M002CreateProduct extends Migration {
  override up(): void {
    // search_vector: 'simple' configuration (no stemming, no stop words) so prefix matching on the last typed word is
    // predictable in any language; name weighs more than description for RELEVANCE.
    this.addSql(`
      create table product (
        id uuid primary key,
        name text not null,
        description text not null default '',
        price_minor integer not null,
        currency text not null,
        category_id uuid references category (id),
        image_url text,
        max_per_customer integer,
        active boolean not null default true,
        version integer not null default 1,
        created_at timestamptz(3) not null default now(),
        updated_at timestamptz(3) not null default now(),
        search_vector tsvector generated always as (
          setweight(to_tsvector('simple', name), 'A') || setweight(to_tsvector('simple', description), 'B')
        ) stored,
        constraint product_price_positive check (price_minor > 0),
        constraint product_max_per_customer_positive check (max_per_customer is null or max_per_customer >= 1),
        constraint product_name_length check (char_length(name) between 1 and 200),
        constraint product_currency_format check (currency ~ '^[A-Z]{3}$')
      )`);
    // One index per sort (each led by active, the listing's constant filter; scanned backwards for the DESC sorts),
    // one per filter column that is not a sort key, and GIN for full-text search.
    this.addSql('create index product_newest_idx on product (active, created_at, id)');
    this.addSql('create index product_price_idx on product (active, price_minor, id)');
    this.addSql('create index product_name_idx on product (active, lower(name), id)');
    this.addSql('create index product_category_idx on product (category_id, active, created_at, id)');
    this.addSql('create index product_search_idx on product using gin (search_vector)');
  }
}
