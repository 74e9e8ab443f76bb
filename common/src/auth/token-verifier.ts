import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthUser, Role } from '../context.ts';
import { ExpiringMap } from '../expiring-map.ts';
import { unauthenticated } from '../graphql/errors.ts';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER } from './tokens.ts';

/** Checks an access token; rejects anything not signed by users' current keys, expired, or of another algorithm. */
export interface TokenVerifier {
  verify(token: string): Promise<AuthUser>;
}

const ROLES = new Set<Role>(['CUSTOMER', 'ADMIN']);

/** How long a verified token is trusted without checking its signature again (bounded by its own expiry). */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/**
 * The caller named by a token's claims, and when the token expires; null when a claim is missing or wrong. jose's
 * jwtVerify checks the same after the signature; the gateway's proof (gateway-proof.ts) relies on this alone.
 */
export function userFromClaims(payload: JWTPayload, nowMs: number): { user: AuthUser; expiresAt: number } | null {
  const audience = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (payload.iss !== TOKEN_ISSUER || !audience.includes(TOKEN_AUDIENCE)) return null;
  if (typeof payload.exp !== 'number' || payload.exp * 1000 <= nowMs || typeof payload.iat !== 'number') return null;
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) return null;
  const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is Role => ROLES.has(r as Role)) : [];
  return { user: { id: payload.sub, roles }, expiresAt: payload.exp * 1000 };
}

function verifierFor(keys: JWTVerifyGetKey): TokenVerifier {
  // A client sends the same token with every request, and one supergraph request reaches the gateway and up to
  // five subgraphs, each checking it: an Ed25519 check costs ~170 µs here (`npm run bench`, order detail). The
  // exact token string that passed is remembered until it expires, at most VERIFIED_TOKEN_TTL_MS (so a key
  // withdrawn from the JWKS stops being honoured within that time). Failures are never remembered.
  const verified = new ExpiringMap<string, AuthUser>(VERIFIED_TOKEN_CACHE_SIZE);
  return {
    async verify(token) {
      const now = Date.now();
      const hit = verified.get(token, now);
      if (hit) return hit;
      let claims: ReturnType<typeof userFromClaims>;
      try {
        // The algorithm list is fixed: `alg: none` and HMAC-with-the-public-key tricks fail here.
        const { payload } = await jwtVerify(token, keys, {
          algorithms: [TOKEN_ALGORITHM],
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          requiredClaims: ['sub', 'exp', 'iat'],
        });
        claims = userFromClaims(payload, now);
      } catch {
        claims = null;
      }
      if (!claims) throw unauthenticated('The access token is invalid or expired.');
      verified.set(token, claims.user, Math.min(claims.expiresAt, now + VERIFIED_TOKEN_TTL_MS), now);
      return claims.user;
    },
  };
}

/** Production path: users' JWKS endpoint, cached, refetched when an unknown key id shows up (rotation). */
export function remoteTokenVerifier(jwksUrl: string): TokenVerifier {
  return verifierFor(createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 5_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 3_000 }));
}

/** users itself, and unit tests: a key set in hand. */
export function localTokenVerifier(jwks: JSONWebKeySet): TokenVerifier {
  return verifierFor(createLocalJWKSet(jwks));
}

/** `Bearer <token>` → token; undefined when there is no header; throws UNAUTHENTICATED when malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
  if (!match?.[1]) throw unauthenticated('The Authorization header must be "Bearer <token>".');
  return match[1];
}
