import { randomUUID } from 'node:crypto';
import { requireAdmin, userError, type RequestContext, type UserError } from '@limitedcart/common';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { UserEntity } from '../entities/user.entity.ts';
import {
  isUuid,
  normalizeEmail,
  validateRegisterInput,
  type LoginInput,
  type RegisterInput,
  type SetUserRolesInput,
} from './account-input.ts';
import { hashPassword, needsRehash, PASSWORD_MAX_LENGTH, verifyAgainstDummy, verifyPassword } from './password.ts';
import type { TokenPair, TokenService } from './token.service.ts';
import { canonicalRoles, toUserView, type UserView } from './user-view.ts';

type Failed<T> = { [K in keyof T]: null };

export type SessionPayload =
  | (TokenPair & { user: UserView; userErrors: [] })
  | (Failed<TokenPair & { user: UserView }> & { userErrors: UserError[] });

export interface SetUserRolesPayload {
  user: UserView | null;
  userErrors: UserError[];
}

function sessionFailure(errors: UserError[]): SessionPayload {
  return { accessToken: null, refreshToken: null, expiresAt: null, user: null, userErrors: errors };
}

const ADMIN_NAME = 'Administrator';

/** Accounts: registration, login, roles, lookups. */
export class AccountService {
  readonly #orm: MikroORM;
  readonly #tokens: TokenService;

  constructor(orm: MikroORM, tokens: TokenService) {
    this.#orm = orm;
    this.#tokens = tokens;
  }

  /** Creates a CUSTOMER account and logs it in. */
  async register(ctx: RequestContext, input: RegisterInput): Promise<SessionPayload> {
    const valid = validateRegisterInput(input);
    if (!valid.ok) return sessionFailure(valid.errors);
    const { email, password, name } = valid.value;
    const passwordHash = await hashPassword(password);
    try {
      const { user, session } = await this.#orm.em.fork().transactional(async (tx) => {
        const now = new Date();
        const user = tx.create(UserEntity, { id: randomUUID(), email, name, passwordHash, roles: ['CUSTOMER'], createdAt: now, updatedAt: now });
        // Flush now: the unique index on email decides a taken address (also against a concurrent registration).
        await tx.flush();
        return { user, session: await this.#tokens.startSession(tx, { id: user.id, roles: user.roles }) };
      });
      ctx.logger.info({ userId: user.id }, 'registered');
      return { ...session, user: toUserView(user, true), userErrors: [] };
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        return sessionFailure([userError('EMAIL_TAKEN', 'An account with this email address already exists.', ['input', 'email'])]);
      }
      throw error;
    }
  }

  /** Email and password → a new login. Unknown email and wrong password look the same, in answer and in time. */
  async login(ctx: RequestContext, input: LoginInput): Promise<SessionPayload> {
    const failed = sessionFailure([userError('INVALID_CREDENTIALS', 'Incorrect email or password.')]);
    // Longer than any accepted password: refuse before hashing, so huge inputs cost nothing.
    if (input.password.length > PASSWORD_MAX_LENGTH * 2) return failed;
    const em = this.#orm.em.fork();
    const user = await em.findOne(UserEntity, { email: normalizeEmail(input.email) });
    const ok = user ? await verifyPassword(input.password, user.passwordHash) : await verifyAgainstDummy(input.password);
    if (!user || !ok) {
      ctx.logger.info({ userId: user?.id }, 'login refused');
      return failed;
    }
    if (needsRehash(user.passwordHash)) {
      // Parameters changed since this hash was made: upgrade it while the password is at hand.
      user.passwordHash = await hashPassword(input.password);
      await em.flush();
    }
    const session = await em.transactional(async (tx) => this.#tokens.startSession(tx, { id: user.id, roles: user.roles }));
    ctx.logger.info({ userId: user.id }, 'logged in');
    return { ...session, user: toUserView(user, true), userErrors: [] };
  }

  /** ADMIN only. Replaces the roles of an account; an admin cannot drop their own ADMIN role (no lock-out). */
  async setUserRoles(ctx: RequestContext, input: SetUserRolesInput): Promise<SetUserRolesPayload> {
    const admin = requireAdmin(ctx);
    const roles = canonicalRoles(input.roles);
    if (roles.length === 0) {
      return { user: null, userErrors: [userError('INVALID_INPUT', 'Give the account at least one role.', ['input', 'roles'])] };
    }
    if (input.userId === admin.id && !roles.includes('ADMIN')) {
      return {
        user: null,
        userErrors: [userError('INVALID_INPUT', 'You cannot remove your own ADMIN role.', ['input', 'roles'])],
      };
    }
    const notFound = { user: null, userErrors: [userError('NOT_FOUND', 'No account has this id.', ['input', 'userId'])] };
    if (!isUuid(input.userId)) return notFound;
    const em = this.#orm.em.fork();
    const user = await em.findOne(UserEntity, { id: input.userId });
    if (!user) return notFound;
    user.roles = roles;
    user.updatedAt = new Date();
    await em.flush();
    ctx.logger.info({ userId: user.id, roles, by: admin.id }, 'roles changed');
    return { user: toUserView(user), userErrors: [] };
  }

  /** Users by id in the order asked (null where unknown): the batch function behind per-request loaders. */
  async findByIds(ids: readonly string[]): Promise<(UserView | null)[]> {
    const valid = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
    const users = valid.length ? await this.#orm.em.fork().find(UserEntity, { id: { $in: valid } }) : [];
    const byId = new Map(users.map((u) => [u.id, toUserView(u)]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  }

  /**
   * Start-up: the configured admin exists, with this password and the ADMIN role. One upsert, so replicas starting
   * together cannot create two accounts or fail on each other.
   */
  async ensureAdmin(ctx: RequestContext, admin: { email: string; password: string }): Promise<void> {
    const email = normalizeEmail(admin.email);
    const passwordHash = await hashPassword(admin.password);
    const [row] = await this.#orm.em.fork().execute<{ id: string; created: boolean }[]>(
      `insert into user_account (id, email, name, password_hash, roles) values (?, ?, ?, ?, array['ADMIN'])
       on conflict (email) do update set
         password_hash = excluded.password_hash,
         roles = case when 'ADMIN' = any(user_account.roles) then user_account.roles
                      else array_append(user_account.roles, 'ADMIN') end,
         updated_at = now()
       returning id, (xmax = 0) as created`,
      [randomUUID(), email, ADMIN_NAME, passwordHash],
    );
    ctx.logger.info({ userId: row?.id, created: row?.created }, 'admin account ensured');
  }
}
