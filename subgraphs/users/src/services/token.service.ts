import { randomUUID } from 'node:crypto';
import { userError, type RequestContext, type UserError } from '@limitedcart/common';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { AccessTokenIssuer, TokenSubject } from './access-token.ts';
import { hashRefreshToken, looksLikeRefreshToken, newRefreshToken } from './refresh-token.ts';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires. */
  expiresAt: Date;
}

export type RefreshTokenPayload =
  | (TokenPair & { userErrors: [] })
  | { accessToken: null; refreshToken: null; expiresAt: null; userErrors: UserError[] };

export interface LogoutPayload {
  success: boolean;
  userErrors: UserError[];
}

const invalidToken = (field: string) =>
  userError('INVALID_TOKEN', 'The refresh token is invalid, expired or already used. Log in again.', [field]);

const refreshFailure = (): RefreshTokenPayload => ({
  accessToken: null,
  refreshToken: null,
  expiresAt: null,
  userErrors: [invalidToken('refreshToken')],
});

interface RotatedRow {
  user_id: string;
  family_id: string;
}

interface SubjectRow {
  id: string;
  roles: TokenSubject['roles'];
}

interface TokenStateRow {
  family_id: string;
  user_id: string;
  used_at: Date | null;
}

/**
 * Access tokens and refresh-token sessions. A login opens a family; refresh rotates within it; a rotated token that
 * comes back (stolen, or replayed) revokes the whole family; logout revokes the family.
 */
export class TokenService {
  readonly #orm: MikroORM;
  readonly #issuer: AccessTokenIssuer;
  readonly #refreshTtlSeconds: number;

  constructor(orm: MikroORM, issuer: AccessTokenIssuer, refreshTtlSeconds: number) {
    this.#orm = orm;
    this.#issuer = issuer;
    this.#refreshTtlSeconds = refreshTtlSeconds;
  }

  /** Opens a new login for `subject` inside the caller's transaction `tx` (so a failed register leaves no token). */
  async startSession(tx: EntityManager, subject: TokenSubject): Promise<TokenPair> {
    const refreshToken = await this.#insertRefreshToken(tx, subject.id, randomUUID());
    const access = await this.#issuer.issue(subject);
    return { accessToken: access.token, refreshToken, expiresAt: access.expiresAt };
  }

  /** Exchanges a refresh token for a new pair (rotation). */
  async refresh(ctx: RequestContext, refreshToken: string): Promise<RefreshTokenPayload> {
    if (!looksLikeRefreshToken(refreshToken)) return refreshFailure();
    const hash = hashRefreshToken(refreshToken);
    const em = this.#orm.em.fork();
    const rotated = await em.transactional(async (tx) => {
      // The conditional UPDATE is the whole race guard: of two concurrent refreshes with one token, the second waits
      // for the first's row lock, re-checks `used_at is null` on the committed row, and updates nothing.
      const rows = await tx.execute<RotatedRow[]>(
        `update refresh_token set used_at = now()
         where token_hash = ? and used_at is null and revoked_at is null and expires_at > now()
         returning user_id, family_id`,
        [hash],
      );
      const row = rows[0];
      if (!row) return null;
      const [subject] = await tx.execute<SubjectRow[]>('select id, roles from user_account where id = ?', [row.user_id]);
      if (!subject) return null;
      const next = await this.#insertRefreshToken(tx, subject.id, row.family_id);
      return { subject, refreshToken: next };
    });
    if (!rotated) {
      await this.#revokeIfReused(ctx, em, hash);
      return refreshFailure();
    }
    // Roles come from the database, not the old token: a role change takes effect at the next refresh.
    const access = await this.#issuer.issue({ id: rotated.subject.id, roles: rotated.subject.roles });
    return { accessToken: access.token, refreshToken: rotated.refreshToken, expiresAt: access.expiresAt, userErrors: [] };
  }

  /** Revokes every refresh token of the login `refreshToken` belongs to. */
  async logout(ctx: RequestContext, refreshToken: string): Promise<LogoutPayload> {
    const failed = { success: false, userErrors: [invalidToken('refreshToken')] };
    if (!looksLikeRefreshToken(refreshToken)) return failed;
    const em = this.#orm.em.fork();
    const rows = await em.execute<{ user_id: string; family_id: string }[]>(
      `update refresh_token set revoked_at = coalesce(revoked_at, now())
       where family_id = (select family_id from refresh_token where token_hash = ?)
       returning user_id, family_id`,
      [hashRefreshToken(refreshToken)],
    );
    if (rows.length === 0) return failed;
    ctx.logger.info({ userId: rows[0]!.user_id, familyId: rows[0]!.family_id }, 'logged out');
    return { success: true, userErrors: [] };
  }

  /** A token that failed rotation because it had already been rotated is a replay: end that whole login. */
  async #revokeIfReused(ctx: RequestContext, em: EntityManager, hash: string): Promise<void> {
    const [state] = await em.execute<TokenStateRow[]>(
      'select family_id, user_id, used_at from refresh_token where token_hash = ?',
      [hash],
    );
    if (!state?.used_at) return;
    const revoked = await em.execute<{ id: string }[]>(
      'update refresh_token set revoked_at = now() where family_id = ? and revoked_at is null returning id',
      [state.family_id],
    );
    ctx.logger.warn(
      { userId: state.user_id, familyId: state.family_id, revoked: revoked.length },
      'refresh token reused after rotation; revoked its login',
    );
  }

  async #insertRefreshToken(tx: EntityManager, userId: string, familyId: string): Promise<string> {
    const token = newRefreshToken();
    await tx.execute(
      `insert into refresh_token (id, user_id, family_id, token_hash, expires_at)
       values (?, ?, ?, ?, now() + ? * interval '1 second')`,
      [randomUUID(), userId, familyId, hashRefreshToken(token), this.#refreshTtlSeconds],
      'run',
    );
    return token;
  }
}
