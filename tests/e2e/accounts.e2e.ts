// Accounts through the gateway: every accounts operation of the contract, and the rule that a bad access token is
// UNAUTHENTICATED (never half-trusted) whatever it tries.
import { randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, graphql, operation, registerCustomer, uniqueEmail } from './harness.ts';

const PASSWORD = 'correct horse battery';
const ISSUER = 'limitedcart-users';
const AUDIENCE = 'limitedcart';

interface UserErrorShape {
  code: string;
  field: string[] | null;
  message: string;
}
interface Session {
  accessToken: string | null;
  refreshToken: string | null;
  expiresAt: string | null;
  user: { id: string; email: string | null; name: string; roles: string[]; createdAt?: string } | null;
  userErrors: UserErrorShape[];
}
type Refreshed = Omit<Session, 'user'>;

async function register(email: string, password = PASSWORD, name = 'E2E User'): Promise<Session> {
  const res = await graphql<{ register: Session }>(operation('Register'), { input: { email, password, name } });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.register;
}

async function login(email: string, password = PASSWORD): Promise<Session> {
  const res = await graphql<{ login: Session }>(operation('Login'), { input: { email, password } });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.login;
}

async function refresh(refreshToken: string): Promise<Refreshed> {
  const res = await graphql<{ refreshToken: Refreshed }>(operation('RefreshToken'), { refreshToken });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.refreshToken;
}

async function me(token?: string) {
  return graphql<{ me: { id: string; email: string; name: string; roles: string[] } | null }>(operation('Me'), {}, token ? { token } : {});
}

async function setRoles(userId: string, roles: string[], token?: string) {
  return graphql<{ setUserRoles: { user: { id: string; roles: string[] } | null; userErrors: UserErrorShape[] } | null }>(
    operation('SetUserRoles'),
    { input: { userId, roles } },
    token ? { token } : {},
  );
}

const errorCode = (res: { body: { errors?: { extensions?: { code?: string } }[] } }) => res.body.errors?.[0]?.extensions?.code;

describe('register', () => {
  it('creates a CUSTOMER with a trimmed, lower-cased email and logs it in', async () => {
    const email = uniqueEmail('reg');
    const result = await register(`  ${email.toUpperCase()}  `, PASSWORD, '  Reggie  ');
    expect(result.userErrors).toEqual([]);
    expect(result.user).toMatchObject({ email, name: 'Reggie', roles: ['CUSTOMER'] });
    expect(Number.isNaN(Date.parse(result.user!.createdAt!))).toBe(false);
    expect(result.refreshToken).toEqual(expect.any(String));
    // expiresAt is when the access token ends.
    expect(Date.parse(result.expiresAt!)).toBe(decodeJwt(result.accessToken!).exp! * 1000);
    expect(Date.parse(result.expiresAt!)).toBeGreaterThan(Date.now());
    const self = await me(result.accessToken!);
    expect(self.body.data!.me).toEqual({ id: result.user!.id, email, name: 'Reggie', roles: ['CUSTOMER'] });
  });

  it('refuses an invalid email or a short password with INVALID_INPUT', async () => {
    const badEmail = await register('not-an-email');
    expect(badEmail).toMatchObject({ accessToken: null, refreshToken: null, expiresAt: null, user: null });
    expect(badEmail.userErrors.map((e) => [e.code, e.field])).toEqual([['INVALID_INPUT', ['input', 'email']]]);
    const email = uniqueEmail('short');
    const shortPassword = await register(email, 'seven77');
    expect(shortPassword.userErrors.map((e) => [e.code, e.field])).toEqual([['INVALID_INPUT', ['input', 'password']]]);
    // Nothing was created: the address is still free.
    expect((await register(email)).userErrors).toEqual([]);
  });

  it('refuses a taken email with EMAIL_TAKEN', async () => {
    const email = uniqueEmail('taken');
    expect((await register(email)).userErrors).toEqual([]);
    const again = await register(email.toUpperCase(), 'another password');
    expect(again.user).toBeNull();
    expect(again.userErrors.map((e) => e.code)).toEqual(['EMAIL_TAKEN']);
  });

  it('gives nobody a way to register as ADMIN', async () => {
    const res = await graphql(operation('Register'), {
      input: { email: uniqueEmail('sneaky'), password: PASSWORD, name: 'Sneaky', roles: ['ADMIN'] },
    });
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors?.length).toBeGreaterThan(0);
  });
});

describe('login', () => {
  it('logs in with the right password', async () => {
    const customer = await registerCustomer('login');
    const result = await login(customer.email.toUpperCase());
    expect(result.userErrors).toEqual([]);
    expect(result.user).toEqual({ id: customer.id, email: customer.email, name: 'login', roles: ['CUSTOMER'] });
    expect((await me(result.accessToken!)).body.data!.me!.id).toBe(customer.id);
  });

  it('answers a wrong password and an unknown email with the same INVALID_CREDENTIALS', async () => {
    const customer = await registerCustomer('creds');
    const wrong = await login(customer.email, 'wrong password!');
    const unknown = await login(uniqueEmail('nobody'));
    expect(wrong).toMatchObject({ accessToken: null, refreshToken: null, expiresAt: null, user: null });
    expect(unknown).toMatchObject({ accessToken: null, refreshToken: null, expiresAt: null, user: null });
    expect(wrong.userErrors.map((e) => e.code)).toEqual(['INVALID_CREDENTIALS']);
    expect(unknown.userErrors).toEqual(wrong.userErrors);
  });
});

describe('me', () => {
  it('is null without a login', async () => {
    const res = await me();
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ me: null });
  });
});

describe('refreshToken', () => {
  it('returns a new pair and invalidates the old refresh token', async () => {
    const customer = await registerCustomer('rotate');
    const next = await refresh(customer.refreshToken);
    expect(next.userErrors).toEqual([]);
    expect(next.refreshToken).not.toBe(customer.refreshToken);
    expect(decodeJwt(next.accessToken!).sub).toBe(customer.id);
    expect((await me(next.accessToken!)).body.data!.me!.id).toBe(customer.id);
    expect((await refresh(next.refreshToken!)).userErrors).toEqual([]);
  });

  it('reuse of an old refresh token is INVALID_TOKEN and revokes every token of that login', async () => {
    const customer = await registerCustomer('reuse');
    const otherLogin = await login(customer.email);
    const second = await refresh(customer.refreshToken);
    expect(second.userErrors).toEqual([]);
    const replay = await refresh(customer.refreshToken);
    expect(replay).toMatchObject({ accessToken: null, refreshToken: null, expiresAt: null });
    expect(replay.userErrors.map((e) => e.code)).toEqual(['INVALID_TOKEN']);
    expect((await refresh(second.refreshToken!)).userErrors.map((e) => e.code)).toEqual(['INVALID_TOKEN']);
    // Another login of the same account lives on.
    expect((await refresh(otherLogin.refreshToken!)).userErrors).toEqual([]);
  });

  it('refuses an unknown refresh token with INVALID_TOKEN', async () => {
    const result = await refresh(Buffer.from(randomUUID() + randomUUID()).toString('base64url').slice(0, 43));
    expect(result.userErrors.map((e) => e.code)).toEqual(['INVALID_TOKEN']);
  });
});

describe('logout', () => {
  it('revokes the given refresh token (and its login)', async () => {
    const customer = await registerCustomer('logout');
    const res = await graphql<{ logout: { success: boolean; userErrors: UserErrorShape[] } }>(operation('Logout'), {
      refreshToken: customer.refreshToken,
    });
    expect(res.body.data!.logout).toEqual({ success: true, userErrors: [] });
    expect((await refresh(customer.refreshToken)).userErrors.map((e) => e.code)).toEqual(['INVALID_TOKEN']);
  });

  it('answers an unknown refresh token with success false and INVALID_TOKEN', async () => {
    const res = await graphql<{ logout: { success: boolean; userErrors: UserErrorShape[] } }>(operation('Logout'), {
      refreshToken: 'C'.repeat(43),
    });
    expect(res.body.data!.logout.success).toBe(false);
    expect(res.body.data!.logout.userErrors.map((e) => e.code)).toEqual(['INVALID_TOKEN']);
  });
});

describe('setUserRoles', () => {
  it('lets an ADMIN replace the roles of an account; the next refresh carries them', async () => {
    const customer = await registerCustomer('promote');
    const res = await setRoles(customer.id, ['CUSTOMER', 'ADMIN'], await adminToken());
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.setUserRoles).toEqual({ user: { id: customer.id, roles: ['CUSTOMER', 'ADMIN'] }, userErrors: [] });
    const next = await refresh(customer.refreshToken);
    expect((await me(next.accessToken!)).body.data!.me!.roles).toEqual(['CUSTOMER', 'ADMIN']);
    const back = await setRoles(customer.id, ['CUSTOMER'], await adminToken());
    expect(back.body.data!.setUserRoles!.user!.roles).toEqual(['CUSTOMER']);
  });

  it('is UNAUTHENTICATED without a login and FORBIDDEN for a CUSTOMER', async () => {
    const customer = await registerCustomer('climber');
    expect(errorCode(await setRoles(customer.id, ['ADMIN']))).toBe('UNAUTHENTICATED');
    const self = await setRoles(customer.id, ['ADMIN'], customer.accessToken);
    expect(errorCode(self)).toBe('FORBIDDEN');
    expect((await me(customer.accessToken)).body.data!.me!.roles).toEqual(['CUSTOMER']);
  });

  it('answers an unknown user with NOT_FOUND and no roles with INVALID_INPUT', async () => {
    const token = await adminToken();
    const unknown = await setRoles(randomUUID(), ['CUSTOMER'], token);
    expect(unknown.body.data!.setUserRoles).toMatchObject({ user: null, userErrors: [{ code: 'NOT_FOUND' }] });
    const customer = await registerCustomer('noroles');
    const empty = await setRoles(customer.id, [], token);
    expect(empty.body.data!.setUserRoles).toMatchObject({ user: null, userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'roles'] }] });
  });
});

describe('bad access tokens are UNAUTHENTICATED, never half-trusted', () => {
  const forged: Record<string, string> = {};
  let victimId = '';
  let victimEmail = '';

  beforeAll(async () => {
    const customer = await registerCustomer('victim');
    victimId = customer.id;
    victimEmail = customer.email;
    const real = customer.accessToken;
    const [header, payload, signature] = real.split('.') as [string, string, string];
    const claims = decodeJwt(real);
    const { kid } = decodeProtectedHeader(real);
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

    // Same signature, payload raised to ADMIN.
    forged.tampered = `${header}.${b64({ ...claims, roles: ['ADMIN'] })}.${signature}`;
    // A real token with its signature bytes changed.
    forged.badSignature = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    // alg: none, with and without a signature part.
    forged.algNone = new UnsecuredJWT({ roles: ['ADMIN'] })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(customer.id)
      .setIssuedAt()
      .setExpirationTime('10m')
      .encode();
    forged.algNoneKeepSignature = `${b64({ alg: 'none', typ: 'JWT', kid })}.${payload}.${signature}`;
    // A key of our own making, published under the real kid: a forged token of a foreign key.
    const foreign = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const sign = (iat: number, exp: number, roles: string[] = ['ADMIN']) =>
      new SignJWT({ roles })
        .setProtectedHeader({ alg: 'EdDSA', kid })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(customer.id)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .setJti(randomUUID())
        .sign(foreign.privateKey);
    const now = Math.floor(Date.now() / 1000);
    forged.foreignKey = await sign(now, now + 600);
    // Expired-looking: exp in the past (signed by the foreign key, and as a re-signed copy of the real claims).
    forged.expired = await sign(now - 3600, now - 1800, ['CUSTOMER']);
    forged.realClaimsExpired = `${header}.${b64({ ...claims, exp: now - 60 })}.${signature}`;
    // HMAC with a secret of our choosing under the real kid (algorithm confusion).
    forged.hs256 = await new SignJWT({ roles: ['ADMIN'] })
      .setProtectedHeader({ alg: 'HS256', kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(customer.id)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(JSON.stringify(await exportJWK(foreign.publicKey))));
    forged.garbage = 'not.a.jwt';
  });

  it.each(['tampered', 'badSignature', 'algNone', 'algNoneKeepSignature', 'foreignKey', 'expired', 'realClaimsExpired', 'hs256', 'garbage'])(
    '%s token: Me and SetUserRoles fail with UNAUTHENTICATED',
    async (kind) => {
      const token = forged[kind]!;
      const self = await me(token);
      expect(self.body.data?.me ?? null).toBeNull();
      expect(errorCode(self)).toBe('UNAUTHENTICATED');
      const escalate = await setRoles(victimId, ['CUSTOMER', 'ADMIN'], token);
      expect(escalate.body.data?.setUserRoles ?? null).toBeNull();
      expect(errorCode(escalate)).toBe('UNAUTHENTICATED');
    },
  );

  it('left the victim a CUSTOMER', async () => {
    const session = await login(victimEmail);
    expect(session.user).toMatchObject({ id: victimId, roles: ['CUSTOMER'] });
    expect(decodeJwt(session.accessToken!).roles).toEqual(['CUSTOMER']);
  });

  it('a malformed Authorization header is UNAUTHENTICATED too', async () => {
    const res = await graphql(operation('Me'), {}, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(errorCode(res)).toBe('UNAUTHENTICATED');
  });
});
