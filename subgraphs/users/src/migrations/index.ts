import type { MigrationDef } from '@limitedcart/common/db';
import { M001CreateUserAccount } from './m001-create-user-account.ts';
import { M002CreateRefreshToken } from './m002-create-refresh-token.ts';
import { M003CreateSigningKey } from './m003-create-signing-key.ts';

/** Every migration of the users database, explicitly (no file discovery at run time). Names fix the order. */
export const usersMigrations: MigrationDef[] = [
  { name: 'M001_create_user_account', class: M001CreateUserAccount },
  { name: 'M002_create_refresh_token', class: M002CreateRefreshToken },
  { name: 'M003_create_signing_key', class: M003CreateSigningKey },
];
