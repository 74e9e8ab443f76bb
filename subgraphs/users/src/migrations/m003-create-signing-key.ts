import { Migration } from '@limitedcart/common/db';

export class M003CreateSigningKey extends Migration {
  override up(): void {
    this.addSql(`
      create table signing_key (
        kid text primary key,
        private_jwk jsonb not null,
        public_jwk jsonb not null,
        active boolean not null default true,
        created_at timestamptz not null default now()
      )`);
    // At most one active key: the first process to insert wins, the others' inserts do nothing and they read it back.
    this.addSql('create unique index signing_key_one_active on signing_key ((true)) where active');
  }
}
