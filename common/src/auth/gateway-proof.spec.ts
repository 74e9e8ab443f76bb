import { describe, expect, it } from 'vitest';
import { gatewayProof, vouchedUser } from './gateway-proof.ts';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from './tokens.ts';

const SECRET = 'a-secret-of-at-least-16';
const now = Date.now();
// The proof is over the token as sent; its signature part is never read here, only the gateway checked it.
const token = (claims: Record<string, unknown>) =>
  [{ alg: 'EdDSA', typ: 'JWT' }, claims].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') + '.c2ln';
const claims = { sub: 'user-1', roles: ['CUSTOMER', 'ROOT'], iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + 600 };

describe('gateway proof', () => {
  it("names the token's user (known roles only) when the proof is the gateway's for exactly that token", () => {
    const t = token(claims);
    expect(vouchedUser(SECRET, t, gatewayProof(SECRET, t), now)).toEqual({ id: 'user-1', roles: ['CUSTOMER'] });
  });

  it('vouches for nothing without a proof, with another secret, or for another token', () => {
    const t = token(claims);
    const admin = token({ ...claims, roles: ['ADMIN'] });
    expect(vouchedUser(SECRET, t, undefined, now)).toBeNull();
    expect(vouchedUser(SECRET, t, ['x'], now)).toBeNull();
    expect(vouchedUser(SECRET, t, gatewayProof('another-secret-of-16+', t), now)).toBeNull();
    expect(vouchedUser(SECRET, admin, gatewayProof(SECRET, t), now)).toBeNull();
    expect(vouchedUser(SECRET, t, 'short', now)).toBeNull();
  });

  it('still refuses what the claims rule out: expired, foreign issuer or audience, no subject, not a JWT', () => {
    for (const bad of [
      token({ ...claims, exp: Math.floor(now / 1000) - 1 }),
      token({ ...claims, iss: 'someone-else' }),
      token({ ...claims, aud: 'elsewhere' }),
      token({ ...claims, sub: '' }),
      'not-a-jwt',
    ]) {
      expect(vouchedUser(SECRET, bad, gatewayProof(SECRET, bad), now)).toBeNull();
    }
  });
});
