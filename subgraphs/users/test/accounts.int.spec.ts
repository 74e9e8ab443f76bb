import { randomUUID } from 'node:crypto';
import { remoteTokenVerifier } from '@limitedcart/common';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningUsers } from '../src/index.ts';
import { hashPassword } from '../src/services/password.ts';
import {
  dropUsersDatabase,
  graphqlClient,
  memoryLogger,
  OPS,
  startTestUsers,
  testConfig,
  uniquePrefix,
  type LogLine,
  type SessionResult,
} from './users-harness.ts';

const prefix = uniquePrefix('users_acc');
const ADMIN = { email: 'root@limitedcart.test', password: 'admin-password-1' };
const PASSWORD = 'correct horse battery';
let users: RunningUsers;
let lines: LogLine[];
let gql: ReturnType<typeof graphqlClient>;
let adminToken: string;

const email = (label: string) => `${label}.${randomUUID().slice(0, 8)}@example.com`;

async function register(address = email('user'), password = PASSWORD, name = 'Test User'): Promise<SessionResult> {
  const res = await gql<{ register: SessionResult }>(OPS.register, { input: { email: address, password, name } });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.register;
}

async function login(address: string, password = PASSWORD): Promise<SessionResult> {
  const res = await gql<{ login: SessionResult }>(OPS.login, { input: { email: address, password } });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.login;
}

type RefreshResult = Omit<SessionResult, 'user'>;
async function refresh(token: string): Promise<RefreshResult> {
  const res = await gql<{ refreshToken: RefreshResult }>(OPS.refresh, { refreshToken: token });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.refreshToken;
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const rows = await users.orm.em.fork().execute<{ n: number }[]>(`select count(*)::int as n from ${sql}`, params);
  return rows[0]!.n;
}

beforeAll(async () => {
  const log = memoryLogger();
  lines = log.lines;
  users = await startTestUsers(testConfig(prefix, { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }), log.logger);
  gql = graphqlClient(users.url);
  adminToken = (await login(ADMIN.email, ADMIN.password)).accessToken!;
});

afterAll(async () => {
  await users?.stop();
  await dropUsersDatabase(prefix);
});

describe('register', () => {
  it('creates a CUSTOMER with a normalized email, logs it in, and stores only a scrypt hash', async () => {
    const address = email('Ann');
    const before = Date.now();
    const result = await register(`  ${address.toUpperCase()} `, PASSWORD, '  Ann  ');
    expect(result.userErrors).toEqual([]);
    expect(result.user).toMatchObject({ email: address.toLowerCase(), name: 'Ann', roles: ['CUSTOMER'] });
    expect(new Date(result.user!.createdAt!).getTime()).toBeGreaterThanOrEqual(before - 1000);
    // expiresAt is the access token's exp.
    const claims = decodeJwt(result.accessToken!);
    expect(new Date(result.expiresAt!).getTime()).toBe(claims.exp! * 1000);
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(claims.sub).toBe(result.user!.id);
    const [row] = await users.orm.em.fork().execute<{ password_hash: string }[]>(
      'select password_hash from user_account where id = ?',
      [result.user!.id],
    );
    expect(row!.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(row!.password_hash).not.toContain(PASSWORD);
    const me = await gql<{ me: { id: string; email: string } }>(OPS.me, {}, result.accessToken!);
    expect(me.body.data!.me).toMatchObject({ id: result.user!.id, email: address.toLowerCase() });
  });

  it('refuses bad input with INVALID_INPUT on the field, writing nothing', async () => {
    const before = await count('user_account');
    const bad = await register('not-an-email', 'short', '');
    expect(bad).toMatchObject({ accessToken: null, refreshToken: null, expiresAt: null, user: null });
    expect(bad.userErrors.map((e) => [e.code, e.field])).toEqual([
      ['INVALID_INPUT', ['input', 'email']],
      ['INVALID_INPUT', ['input', 'password']],
      ['INVALID_INPUT', ['input', 'name']],
    ]);
    expect(await count('user_account')).toBe(before);
  });

  it('refuses a taken email (in any case or spacing) with EMAIL_TAKEN', async () => {
    const address = email('taken');
    expect((await register(address)).userErrors).toEqual([]);
    const again = await register(` ${address.toUpperCase()}`, 'another password');
    expect(again.user).toBeNull();
    expect(again.userErrors).toEqual([{ code: 'EMAIL_TAKEN', field: ['input', 'email'], message: expect.any(String) }]);
  });

  it('lets exactly one of many concurrent registrations of one email win', async () => {
    const address = email('race');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => register(address, PASSWORD, `Racer ${i}`)));
    const winners = results.filter((r) => r.userErrors.length === 0);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.userErrors[0]?.code === 'EMAIL_TAKEN')).toHaveLength(7);
    expect(await count('user_account where email = ?', [address])).toBe(1);
    // The loser's transaction left no refresh token behind: only the winner's login exists.
    expect(await count('refresh_token t join user_account u on u.id = t.user_id where u.email = ?', [address])).toBe(1);
  });

  it('cannot create an ADMIN: the input has no roles, and registrations are CUSTOMER', async () => {
    const res = await gql(OPS.register, {
      input: { email: email('sneaky'), password: PASSWORD, name: 'Sneaky', roles: ['ADMIN'] },
    });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('login', () => {
  it('logs in with the right password, whatever the email case', async () => {
    const address = email('login');
    const registered = await register(address);
    const result = await login(`  ${address.toUpperCase()}  `);
    expect(result.userErrors).toEqual([]);
    expect(result.user).toMatchObject({ id: registered.user!.id, email: address, roles: ['CUSTOMER'] });
    expect(result.refreshToken).not.toBe(registered.refreshToken);
  });

  it('answers a wrong password and an unknown email identically', async () => {
    const address = email('creds');
    await register(address);
    const wrongPassword = await login(address, 'wrong password!');
    const unknownEmail = await login(email('nobody'));
    for (const result of [wrongPassword, unknownEmail]) {
      expect(result).toMatchObject({ accessToken: null, refreshToken: null, expiresAt: null, user: null });
      expect(result.userErrors).toEqual([{ code: 'INVALID_CREDENTIALS', field: null, message: 'Incorrect email or password.' }]);
    }
  });

  it('takes about as long for an unknown email as for a wrong password', async () => {
    const address = email('timing');
    await register(address);
    let known = 0;
    let unknown = 0;
    for (let i = 0; i < 5; i++) {
      let t = performance.now();
      await login(address, 'wrong password!');
      known += performance.now() - t;
      t = performance.now();
      await login(email('ghost'), 'wrong password!');
      unknown += performance.now() - t;
    }
    expect(unknown / known).toBeGreaterThan(0.4);
    expect(unknown / known).toBeLessThan(2.5);
  });

  it('never writes passwords or tokens to the log', async () => {
    const address = email('logs');
    const session = await register(address, 'very-secret-password');
    await login(address, 'very-secret-password');
    await refresh(session.refreshToken!);
    const text = JSON.stringify(lines);
    expect(text).not.toContain('very-secret-password');
    expect(text).not.toContain(session.refreshToken);
    expect(text).not.toContain(session.accessToken);
  });
});

describe('me', () => {
  it('is null without a login', async () => {
    const res = await gql<{ me: null }>(OPS.me);
    expect(res.body).toEqual({ data: { me: null } });
  });

  it('is an UNAUTHENTICATED error with a bad token, never a half-trusted one', async () => {
    const session = await register();
    const [h, p] = session.accessToken!.split('.');
    for (const token of ['garbage', `${h}.${p}.`, `${h}.${p}.${'A'.repeat(86)}`]) {
      const res = await gql(OPS.me, {}, token);
      expect(res.body.data ?? null).toBeNull();
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('refreshToken', () => {
  it('rotates: a new pair, the old refresh token no longer works', async () => {
    const session = await register();
    const next = await refresh(session.refreshToken!);
    expect(next.userErrors).toEqual([]);
    expect(next.refreshToken).not.toBe(session.refreshToken);
    expect(decodeJwt(next.accessToken!).sub).toBe(session.user!.id);
    expect(new Date(next.expiresAt!).getTime()).toBe(decodeJwt(next.accessToken!).exp! * 1000);
    const me = await gql<{ me: { id: string } }>(OPS.me, {}, next.accessToken!);
    expect(me.body.data!.me.id).toBe(session.user!.id);
    // The next link of the chain works too.
    expect((await refresh(next.refreshToken!)).userErrors).toEqual([]);
  });

  it('reuse of a rotated token is INVALID_TOKEN and revokes every token of that login, not other logins', async () => {
    const address = email('reuse');
    const first = await register(address);
    const otherLogin = await login(address);
    const second = await refresh(first.refreshToken!);
    const replay = await refresh(first.refreshToken!);
    expect(replay).toEqual({
      accessToken: null,
      refreshToken: null,
      expiresAt: null,
      userErrors: [{ code: 'INVALID_TOKEN', field: ['refreshToken'], message: expect.any(String) }],
    });
    // The legitimate successor is dead too (the thief or the owner: we cannot tell, so the login ends).
    expect((await refresh(second.refreshToken!)).userErrors[0]?.code).toBe('INVALID_TOKEN');
    // A separate login of the same user is untouched.
    expect((await refresh(otherLogin.refreshToken!)).userErrors).toEqual([]);
    expect(lines.some((l) => l.msg === 'refresh token reused after rotation; revoked its login')).toBe(true);
  });

  it('refuses unknown, malformed and expired tokens with INVALID_TOKEN', async () => {
    const session = await register();
    await users.orm.em.fork().execute(
      `update refresh_token set expires_at = now() - interval '1 second' where user_id = ?`,
      [session.user!.id],
    );
    for (const token of [session.refreshToken!, 'A'.repeat(43), 'not a token', '']) {
      const result = await refresh(token);
      expect(result.accessToken).toBeNull();
      expect(result.userErrors[0]?.code).toBe('INVALID_TOKEN');
    }
  });

  it('lets only one of many concurrent refreshes with one token win', async () => {
    const session = await register();
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(session.refreshToken!)));
    expect(results.filter((r) => r.userErrors.length === 0)).toHaveLength(1);
    expect(results.filter((r) => r.userErrors[0]?.code === 'INVALID_TOKEN')).toHaveLength(9);
    // Exactly one successor row was created in the family.
    expect(await count('refresh_token where user_id = ?', [session.user!.id])).toBe(2);
  });

  it('carries the roles of the database, not of the old token', async () => {
    const session = await register();
    const set = await gql(OPS.setUserRoles, { input: { userId: session.user!.id, roles: ['CUSTOMER', 'ADMIN'] } }, adminToken);
    expect(set.body.errors).toBeUndefined();
    expect(decodeJwt(session.accessToken!).roles).toEqual(['CUSTOMER']);
    const next = await refresh(session.refreshToken!);
    expect(decodeJwt(next.accessToken!).roles).toEqual(['CUSTOMER', 'ADMIN']);
  });
});

describe('logout', () => {
  it('revokes the login of the given token (all of its refresh tokens)', async () => {
    const address = email('logout');
    const session = await register(address);
    const rotated = await refresh(session.refreshToken!);
    const otherLogin = await login(address);
    const res = await gql<{ logout: { success: boolean; userErrors: unknown[] } }>(OPS.logout, { refreshToken: rotated.refreshToken });
    expect(res.body.data!.logout).toEqual({ success: true, userErrors: [] });
    expect((await refresh(rotated.refreshToken!)).userErrors[0]?.code).toBe('INVALID_TOKEN');
    expect((await refresh(otherLogin.refreshToken!)).userErrors).toEqual([]);
    // Logging out again is harmless.
    const again = await gql<{ logout: { success: boolean } }>(OPS.logout, { refreshToken: rotated.refreshToken });
    expect(again.body.data!.logout.success).toBe(true);
  });

  it('answers an unknown token with success false and INVALID_TOKEN', async () => {
    for (const token of ['B'.repeat(43), 'nonsense']) {
      const res = await gql<{ logout: unknown }>(OPS.logout, { refreshToken: token });
      expect(res.body.data!.logout).toEqual({
        success: false,
        userErrors: [{ code: 'INVALID_TOKEN', field: ['refreshToken'], message: expect.any(String) }],
      });
    }
  });
});

describe('setUserRoles', () => {
  it('needs a login (UNAUTHENTICATED) and the ADMIN role (FORBIDDEN)', async () => {
    const customer = await register();
    const input = { userId: customer.user!.id, roles: ['ADMIN'] };
    const anonymous = await gql(OPS.setUserRoles, { input });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const self = await gql(OPS.setUserRoles, { input }, customer.accessToken!);
    expect(self.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(self.body.data?.setUserRoles ?? null).toBeNull();
    const [row] = await users.orm.em.fork().execute<{ roles: string[] }[]>('select roles from user_account where id = ?', [customer.user!.id]);
    expect(row!.roles).toEqual(['CUSTOMER']);
  });

  it('replaces the roles of an account', async () => {
    const customer = await register();
    const res = await gql<{ setUserRoles: { user: { id: string; roles: string[] }; userErrors: unknown[] } }>(
      OPS.setUserRoles,
      { input: { userId: customer.user!.id, roles: ['ADMIN', 'CUSTOMER', 'ADMIN'] } },
      adminToken,
    );
    expect(res.body.data!.setUserRoles).toEqual({ user: { id: customer.user!.id, roles: ['CUSTOMER', 'ADMIN'] }, userErrors: [] });
    const back = await gql<{ setUserRoles: { user: { roles: string[] } } }>(
      OPS.setUserRoles,
      { input: { userId: customer.user!.id, roles: ['CUSTOMER'] } },
      adminToken,
    );
    expect(back.body.data!.setUserRoles.user.roles).toEqual(['CUSTOMER']);
  });

  it('answers unknown ids with NOT_FOUND and empty roles with INVALID_INPUT', async () => {
    const customer = await register();
    const call = (userId: string, roles: string[]) =>
      gql<{ setUserRoles: { user: null; userErrors: { code: string; field: string[] }[] } }>(OPS.setUserRoles, { input: { userId, roles } }, adminToken);
    for (const userId of [randomUUID(), 'not-a-uuid']) {
      const res = await call(userId, ['CUSTOMER']);
      expect(res.body.data!.setUserRoles).toEqual({ user: null, userErrors: [{ code: 'NOT_FOUND', field: ['input', 'userId'], message: expect.any(String) }] });
    }
    const empty = await call(customer.user!.id, []);
    expect(empty.body.data!.setUserRoles.userErrors.map((e) => [e.code, e.field])).toEqual([['INVALID_INPUT', ['input', 'roles']]]);
  });

  it('does not let an admin remove their own ADMIN role', async () => {
    const adminId = decodeJwt(adminToken).sub!;
    const res = await gql<{ setUserRoles: { user: null; userErrors: { code: string }[] } }>(
      OPS.setUserRoles,
      { input: { userId: adminId, roles: ['CUSTOMER'] } },
      adminToken,
    );
    expect(res.body.data!.setUserRoles.userErrors[0]?.code).toBe('INVALID_INPUT');
    const [row] = await users.orm.em.fork().execute<{ roles: string[] }[]>('select roles from user_account where id = ?', [adminId]);
    expect(row!.roles).toContain('ADMIN');
  });
});

describe('User entity', () => {
  const ENTITIES = `query ($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on User { id name roles createdAt } }
  }`;

  it('resolves 100 references with one SQL query, in order, null for unknown ids', async () => {
    const hash = await hashPassword('unused-password');
    const ids = Array.from({ length: 100 }, () => randomUUID());
    const em = users.orm.em.fork();
    for (const [i, id] of ids.entries()) {
      await em.execute('insert into user_account (id, email, name, password_hash) values (?, ?, ?, ?)', [id, email(`bulk${i}`), `Bulk ${i}`, hash]);
    }
    const unknown = randomUUID();
    const representations = [...ids, unknown, 'not-a-uuid'].map((id) => ({ __typename: 'User', id }));
    const start = lines.length;
    const res = await gql<{ _entities: ({ id: string; name: string } | null)[] }>(ENTITIES, { representations });
    const queries = lines.slice(start).filter((l) => typeof l.sql === 'string' && l.sql.includes('user_account'));
    expect(res.body.errors).toBeUndefined();
    expect(queries).toHaveLength(1);
    expect(res.body.data!._entities.slice(0, 100).map((u) => u?.name)).toEqual(ids.map((_, i) => `Bulk ${i}`));
    expect(res.body.data!._entities.slice(100)).toEqual([null, null]);
  });

  it('shows email to its owner and to ADMINs only; others get FORBIDDEN on that field', async () => {
    const ann = await register(email('ann'));
    const bob = await register(email('bob'));
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name email } } }`;
    const r = [{ __typename: 'User', id: ann.user!.id }];
    const asAnn = await gql<{ _entities: { email: string }[] }>(query, { r }, ann.accessToken!);
    expect(asAnn.body.data!._entities[0]!.email).toBe(ann.user!.email);
    const asAdmin = await gql<{ _entities: { email: string }[] }>(query, { r }, adminToken);
    expect(asAdmin.body.data!._entities[0]!.email).toBe(ann.user!.email);
    for (const token of [bob.accessToken!, undefined]) {
      const res = await gql<{ _entities: { id: string; name: string; email: null }[] }>(query, { r }, token);
      expect(res.body.data!._entities[0]).toEqual({ id: ann.user!.id, name: 'Test User', email: null });
      expect(res.body.errors?.[0]).toMatchObject({ path: ['_entities', 0, 'email'], extensions: { code: 'FORBIDDEN' } });
    }
  });
});

describe('HTTP', () => {
  const origin = () => new URL(users.url).origin;

  it('serves the public JWKS with caching, and its keys verify our tokens', async () => {
    const res = await fetch(`${origin()}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const jwks = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toEqual([{ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: users.keys.kid, alg: 'ES256', use: 'sig' }]);
    const verifier = remoteTokenVerifier(`${origin()}/.well-known/jwks.json`);
    const session = await register();
    expect(await verifier.verify(session.accessToken!)).toEqual({ id: session.user!.id, roles: ['CUSTOMER'] });
  });

  it('is ready while Postgres answers', async () => {
    const res = await fetch(`${origin()}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready', checks: [{ name: 'postgres', ok: true }] });
  });
});
