import { KeyObject, sign as nodeSign } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { bearerToken, localTokenVerifier } from './token-verifier.ts';
import { TOKEN_ALGORITHMS, TOKEN_AUDIENCE, TOKEN_ISSUER, type TokenAlgorithm } from './tokens.ts';

async function keys(kid: string, alg: TokenAlgorithm) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { privateKey, jwk };
}

/** A raw JWS signature over `input` (for headers jose will not sign). */
const rawSignature = (alg: TokenAlgorithm, input: string, key: CryptoKey) =>
  (alg === 'ES256'
    ? nodeSign('sha256', Buffer.from(input), { key: KeyObject.from(key), dsaEncoding: 'ieee-p1363' })
    : nodeSign(null, Buffer.from(input), KeyObject.from(key))
  ).toString('base64url');

const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { extensions?: { code?: string } }) => e.extensions?.code);

describe.each(TOKEN_ALGORITHMS)('token verifier (%s)', async (alg) => {
  const sign = (key: CryptoKey, kid: string, claims: Record<string, unknown> = { roles: ['CUSTOMER'] }, exp: string | number = '15m') =>
    new SignJWT(claims).setProtectedHeader({ alg, kid }).setSubject('user-1').setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setIssuedAt().setExpirationTime(exp).sign(key);
  const mine = await keys('k1', alg);
  const foreign = await keys('k1', alg);
  const verifier = localTokenVerifier({ keys: [mine.jwk] });

  it('refuses a token whose header names the other algorithm than its key', async () => {
    const other = TOKEN_ALGORITHMS.find((a) => a !== alg)!;
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64({ alg: other, kid: 'k1' })}.${b64({ sub: 'user-1', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, iat: now, exp: now + 600, roles: [] })}`;
    expect(await code(verifier.verify(`${input}.${rawSignature(alg, input, mine.privateKey)}`))).toBe('UNAUTHENTICATED');
  });

  it('accepts a good token and keeps only known roles', async () => {
    const token = await sign(mine.privateKey, 'k1', { roles: ['ADMIN', 'ROOT'] });
    expect(await verifier.verify(token)).toEqual({ id: 'user-1', roles: ['ADMIN'] });
  });

  it('rejects tampered, expired, foreign-key and alg:none tokens as UNAUTHENTICATED', async () => {
    const good = await sign(mine.privateKey, 'k1');
    const [h, p, s] = good.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, roles: ['ADMIN'] })).toString('base64url')}.${s}`;
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    const expired = await sign(mine.privateKey, 'k1', { roles: [] }, Math.floor(Date.now() / 1000) - 10);
    const foreignToken = await sign(foreign.privateKey, 'k1');
    for (const token of [tampered, none, expired, foreignToken, 'not-a-jwt']) {
      expect(await code(verifier.verify(token))).toBe('UNAUTHENTICATED');
    }
  });

  it('rejects a good signature over wrong claims or an unexpected header', async () => {
    const wrongIssuer = await new SignJWT({ roles: [] }).setProtectedHeader({ alg, kid: 'k1' }).setSubject('user-1').setIssuer('elsewhere').setAudience(TOKEN_AUDIENCE).setIssuedAt().setExpirationTime('15m').sign(mine.privateKey);
    const wrongAudience = await new SignJWT({ roles: [] }).setProtectedHeader({ alg, kid: 'k1' }).setSubject('user-1').setIssuer(TOKEN_ISSUER).setAudience('other').setIssuedAt().setExpirationTime('15m').sign(mine.privateKey);
    const notYet = await new SignJWT({ roles: [] }).setProtectedHeader({ alg, kid: 'k1' }).setSubject('user-1').setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setIssuedAt().setNotBefore('10m').setExpirationTime('15m').sign(mine.privateKey);
    const noSubject = await new SignJWT({ roles: [] }).setProtectedHeader({ alg, kid: 'k1' }).setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setIssuedAt().setExpirationTime('15m').sign(mine.privateKey);
    // A `crit` extension we do not understand, validly signed (jose itself refuses to sign one).
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64({ alg, kid: 'k1', crit: ['x-policy'], 'x-policy': 1 })}.${b64({ sub: 'user-1', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, iat: now, exp: now + 600, roles: [] })}`;
    const critical = `${input}.${rawSignature(alg, input, mine.privateKey)}`;
    // HS256 keyed with the public key's bytes: the classic algorithm-confusion forgery.
    const hmac = await new SignJWT({ roles: ['ADMIN'] }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setSubject('user-1').setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setIssuedAt().setExpirationTime('15m').sign(new TextEncoder().encode(JSON.stringify(mine.jwk)));
    for (const token of [wrongIssuer, wrongAudience, notYet, noSubject, critical, hmac, 'a.b', 'a.b.c.d']) {
      expect(await code(verifier.verify(token))).toBe('UNAUTHENTICATED');
    }
  });

  describe('remembering verified tokens', () => {
    afterEach(() => vi.useRealTimers());

    it('answers a repeated token the same, and stops at its expiry even though it was remembered', async () => {
      const exp = Math.floor(Date.now() / 1000) + 30;
      const token = await sign(mine.privateKey, 'k1', { roles: ['CUSTOMER'] }, exp);
      expect(await verifier.verify(token)).toEqual({ id: 'user-1', roles: ['CUSTOMER'] });
      expect(await verifier.verify(token)).toEqual({ id: 'user-1', roles: ['CUSTOMER'] });
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime((exp + 1) * 1000);
      expect(await code(verifier.verify(token))).toBe('UNAUTHENTICATED');
    });

    it('never remembers a failure: a token refused once is refused again', async () => {
      const foreignToken = await sign(foreign.privateKey, 'k1');
      expect(await code(verifier.verify(foreignToken))).toBe('UNAUTHENTICATED');
      expect(await code(verifier.verify(foreignToken))).toBe('UNAUTHENTICATED');
    });
  });

  it('parses the Authorization header strictly', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(() => bearerToken('Basic dXNlcjpwdw==')).toThrow(/Bearer/);
    expect(() => bearerToken('Bearer')).toThrow(/Bearer/);
  });
});
