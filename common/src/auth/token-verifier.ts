import { KeyObject, verify as verifySignature } from 'node:crypto';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  type CryptoKey,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type JWTPayload,
} from 'jose';
import type { AuthUser, Role } from '../context.ts';
import { ExpiringMap } from '../expiring-map.ts';
import { unauthenticated } from '../graphql/errors.ts';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, type TokenAlgorithm } from './tokens.ts';

/** Checks an access token; rejects anything not signed by users' current keys, expired, or of another algorithm. */
export interface TokenVerifier {
  verify(token: string): Promise<AuthUser>;
}

const ROLES = new Set<Role>(['CUSTOMER', 'ADMIN']);

/** How long a verified token is trusted without checking its signature again (bounded by its own expiry). */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/**
 * The caller named by a token's claims, and when the token expires; null when a claim is missing or wrong (issuer,
 * audience, exp, iat, nbf, subject). Checked after the signature, and alone under the gateway's proof (gateway-proof.ts).
 */
export function userFromClaims(payload: JWTPayload, nowMs: number): { user: AuthUser; expiresAt: number } | null {
  const audience = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (payload.iss !== TOKEN_ISSUER || !audience.includes(TOKEN_AUDIENCE)) return null;
  if (typeof payload.exp !== 'number' || payload.exp * 1000 <= nowMs || typeof payload.iat !== 'number') return null;
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf * 1000 > nowMs)) return null;
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) return null;
  const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is Role => ROLES.has(r as Role)) : [];
  return { user: { id: payload.sub, roles }, expiresAt: payload.exp * 1000 };
}

/** A key resolver of jose (local or remote JWKS): picks users' key by the token's header (kid, alg). */
type KeyResolver = (header: JWSHeaderParameters) => Promise<CryptoKey>;

const keyObjects = new WeakMap<CryptoKey, KeyObject>();

/** Per algorithm we accept: the key it needs, and node:crypto's synchronous check of a JWS signature with it. */
const CHECKS: Record<TokenAlgorithm, { fits: (key: KeyObject) => boolean; check: (data: Buffer, key: KeyObject, signature: Buffer) => boolean }> = {
  ES256: {
    fits: (key) => key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1',
    check: (data, key, signature) => verifySignature('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature),
  },
  EdDSA: {
    fits: (key) => key.asymmetricKeyType === 'ed25519',
    check: (data, key, signature) => verifySignature(null, data, key, signature),
  },
};

/**
 * A compact JWS signed by one of `keys` with an algorithm we issue (ES256, or EdDSA for older keys), or an error.
 * jose resolves the key (JWKS, rotation, cooldown; the key's own `alg` must match the header's) and decodes header
 * and payload; the check itself is node:crypto's synchronous one, about half the CPU of jose's WebCrypto path, and a
 * drop brings the gateway a new token per request (tests/bench/gateway-overhead.bench.ts).
 */
async function verifiedPayload(token: string, keys: KeyResolver): Promise<JWTPayload> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('not a compact JWS');
  const header = decodeProtectedHeader(token);
  // Only our algorithms, and no extension header is understood: `alg: none`, HMAC-with-the-public-key and
  // `crit`/`b64` tricks fail here.
  const algorithm = Object.hasOwn(CHECKS, header.alg ?? '') ? CHECKS[header.alg as TokenAlgorithm] : undefined;
  if (!algorithm || header.crit !== undefined || header.b64 !== undefined) throw new Error('unexpected header');
  const cryptoKey = await keys(header as JWSHeaderParameters);
  let key = keyObjects.get(cryptoKey);
  if (!key) {
    key = KeyObject.from(cryptoKey);
    keyObjects.set(cryptoKey, key);
  }
  if (!algorithm.fits(key)) throw new Error(`not a key for ${header.alg}`);
  const signature = Buffer.from(parts[2]!, 'base64url');
  if (!algorithm.check(Buffer.from(`${parts[0]}.${parts[1]}`), key, signature)) throw new Error('bad signature');
  return decodeJwt(token);
}

function verifierFor(keys: KeyResolver): TokenVerifier {
  // A client sends the same token with every request, and one supergraph request reaches the gateway and up to
  // five subgraphs, each checking it: a signature check costs ~100–170 µs here (`npm run bench`, order detail). The
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
        claims = userFromClaims(await verifiedPayload(token, keys), now);
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
