import { Migration } from '@limitedcart/common/db';

export class M001CreateCategory extends Migration {
  override up(): void {
    // The unique index decides a taken slug, so two concurrent creates cannot both succeed.
    this.addSql(`
      create table category (
        id uuid primary key,
        name text not null,
        slug text not null,
        created_at timestamptz(3) not null default now(),
        constraint category_slug_format check (slug ~ '^[a-z0-9-]{1,64}$'),
        constraint category_name_length check (char_length(name) between 1 and 100)
      )`);
    this.addSql('create unique index category_slug_key on category (slug)');
    this.addSql('create index category_name_idx on category (lower(name), id)');
  }
}
