import { randomUUID } from 'node:crypto';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, type Role } from '@limitedcart/common';
import { SignJWT } from 'jose';
import type { SigningKeys } from './signing-key.service.ts';

/** Who a token is for. */
export interface TokenSubject {
  id: string;
  roles: Role[];
}

export interface SignedAccessToken {
  token: string;
  expiresAt: Date;
}

/** Signs short-lived access JWTs (ES256, or EdDSA with an older key; kid header); every service verifies them against users' JWKS. */
export class AccessTokenIssuer {
  readonly #keys: SigningKeys;
  readonly #ttlSeconds: number;
  readonly #now: () => number;

  /** `now` (milliseconds) is injectable so tests can mint already-expired tokens. */
  constructor(keys: SigningKeys, ttlSeconds: number, now: () => number = Date.now) {
    this.#keys = keys;
    this.#ttlSeconds = ttlSeconds;
    this.#now = now;
  }

  async issue(subject: TokenSubject): Promise<SignedAccessToken> {
    const issuedAt = Math.floor(this.#now() / 1000);
    const expiresAt = issuedAt + this.#ttlSeconds;
    const token = await new SignJWT({ roles: subject.roles })
      .setProtectedHeader({ alg: this.#keys.alg, kid: this.#keys.kid, typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(subject.id)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .setJti(randomUUID())
      .sign(this.#keys.privateKey);
    return { token, expiresAt: new Date(expiresAt * 1000) };
  }
}
