import { Migration } from '@limitedcart/common/db';

export class M002CreateRefreshToken extends Migration {
  override up(): void {
    this.addSql(`
      create table refresh_token (
        id uuid primary key,
        user_id uuid not null references user_account (id) on delete cascade,
        family_id uuid not null,
        token_hash text not null,
        expires_at timestamptz not null,
        created_at timestamptz not null default now(),
        used_at timestamptz,
        revoked_at timestamptz
      )`);
    this.addSql('create unique index refresh_token_hash_key on refresh_token (token_hash)');
    this.addSql('create index refresh_token_family_idx on refresh_token (family_id)');
    this.addSql('create index refresh_token_user_idx on refresh_token (user_id)');
  }
}
