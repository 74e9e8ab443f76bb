import { Migration } from '@limitedcart/common/db';

export class M001CreateUserAccount extends Migration {
  override up(): void {
    // Email uniqueness lives in the database (not a read-then-insert check), so two concurrent registrations
    // of one address cannot both succeed.
    this.addSql(`
      create table user_account (
        id uuid primary key,
        email text not null,
        name text not null,
        password_hash text not null,
        roles text[] not null default '{CUSTOMER}',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint user_account_roles_valid check (cardinality(roles) > 0 and roles <@ array['CUSTOMER', 'ADMIN']::text[]),
        constraint user_account_email_normalized check (email = lower(btrim(email)))
      )`);
    this.addSql('create unique index user_account_email_key on user_account (email)');
  }
}
