import { localTokenVerifier, TOKEN_AUDIENCE, TOKEN_ISSUER } from '@limitedcart/common';
import { decodeJwt, decodeProtectedHeader, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AccessTokenIssuer } from './access-token.ts';
import { generateKeyPairJwk, signingKeysFrom } from './signing-key.service.ts';

const TTL = 900;
const subject = { id: '3f2b8f52-0a43-4d4e-9a55-2b1c1d7e9f00', roles: ['CUSTOMER' as const] };

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: { extensions?: { code?: string } }) => e.extensions?.code ?? 'threw',
  );

describe('access tokens', async () => {
  const keys = await signingKeysFrom(await generateKeyPairJwk());
  const issuer = new AccessTokenIssuer(keys, TTL);
  const verifier = localTokenVerifier(keys.jwks);

  it('carry kid, iss, aud, sub, roles, iat, exp = iat + ttl and a jti, and verify', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { token, expiresAt } = await issuer.issue(subject);
    const header = decodeProtectedHeader(token);
    expect(header).toEqual({ alg: 'ES256', kid: keys.kid, typ: 'JWT' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, sub: subject.id, roles: ['CUSTOMER'] });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.exp! - claims.iat!).toBe(TTL);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(expiresAt.getTime()).toBe(claims.exp! * 1000);
    expect(await verifier.verify(token)).toEqual({ id: subject.id, roles: ['CUSTOMER'] });
  });

  it('gives every token its own jti', async () => {
    const [a, b] = await Promise.all([issuer.issue(subject), issuer.issue(subject)]);
    expect(decodeJwt(a.token).jti).not.toBe(decodeJwt(b.token).jti);
  });

  it('rejects a token whose payload was changed (e.g. roles raised to ADMIN)', async () => {
    const { token } = await issuer.issue(subject);
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, roles: ['ADMIN'] })).toString('base64url')}.${s}`;
    expect(await codeOf(verifier.verify(forged))).toBe('UNAUTHENTICATED');
  });

  it('rejects a token whose signature was changed', async () => {
    const { token } = await issuer.issue(subject);
    const sig = token.split('.')[2]!;
    const flipped = sig.startsWith('A') ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
    expect(await codeOf(verifier.verify(`${token.split('.').slice(0, 2).join('.')}.${flipped}`))).toBe('UNAUTHENTICATED');
  });

  it('rejects an expired token', async () => {
    const past = new AccessTokenIssuer(keys, TTL, () => Date.now() - (TTL + 5) * 1000);
    const { token, expiresAt } = await past.issue(subject);
    expect(expiresAt.getTime()).toBeLessThan(Date.now());
    expect(await codeOf(verifier.verify(token))).toBe('UNAUTHENTICATED');
  });

  it('rejects alg: none, with or without a signature part', async () => {
    const claims = { roles: ['ADMIN'] };
    const unsecured = new UnsecuredJWT(claims).setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setSubject(subject.id).setIssuedAt().setExpirationTime('5m').encode();
    const { token } = await issuer.issue(subject);
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid: keys.kid })).toString('base64url');
    const reusedPayload = `${header}.${token.split('.')[1]}.`;
    const keptSignature = `${header}.${token.split('.').slice(1).join('.')}`;
    for (const t of [unsecured, reusedPayload, keptSignature]) expect(await codeOf(verifier.verify(t))).toBe('UNAUTHENTICATED');
  });

  it('rejects a token signed by another key, even under the same kid', async () => {
    const other = await generateKeyPairJwk();
    const foreign = new AccessTokenIssuer(await signingKeysFrom({ ...other, kid: keys.kid }), TTL);
    const { token } = await foreign.issue(subject);
    expect(await codeOf(verifier.verify(token))).toBe('UNAUTHENTICATED');
  });

  it('rejects HS256 signed with the public key bytes (algorithm confusion)', async () => {
    const x = Buffer.from(String(keys.jwks.keys[0]!.x), 'base64url');
    const token = await new SignJWT({ roles: ['ADMIN'] })
      .setProtectedHeader({ alg: 'HS256', kid: keys.kid })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(subject.id)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new Uint8Array(x));
    expect(await codeOf(verifier.verify(token))).toBe('UNAUTHENTICATED');
  });

  it('rejects our own key used with another issuer or audience', async () => {
    for (const [iss, aud] of [
      ['someone-else', TOKEN_AUDIENCE],
      [TOKEN_ISSUER, 'another-app'],
    ] as const) {
      const token = await new SignJWT({ roles: ['CUSTOMER'] })
        .setProtectedHeader({ alg: keys.alg, kid: keys.kid })
        .setIssuer(iss)
        .setAudience(aud)
        .setSubject(subject.id)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(keys.privateKey);
      expect(await codeOf(verifier.verify(token))).toBe('UNAUTHENTICATED');
    }
  });
});
