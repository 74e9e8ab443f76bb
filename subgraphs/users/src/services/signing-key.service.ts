import { TOKEN_ALGORITHM, type Logger, type TokenAlgorithm } from '@limitedcart/common';
import type { EntityManager } from '@mikro-orm/postgresql';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';

/** The key users signs access tokens with, and the public key set every verifier trusts. */
export interface SigningKeys {
  kid: string;
  /** ES256 for a P-256 key, EdDSA for an Ed25519 one (made before ES256 became the default). */
  alg: TokenAlgorithm;
  privateKey: CryptoKey;
  /** Public keys only (kty, crv, x[, y], kid, alg, use): what GET /.well-known/jwks.json serves. */
  jwks: JSONWebKeySet;
}

/** A bad JWT_PRIVATE_JWK. The message never contains the key. */
export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

interface KeyPairJwk {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** The algorithm a key is for: a P-256 key signs ES256, an Ed25519 key EdDSA; anything else is refused. */
function algorithmOf(jwk: JWK): TokenAlgorithm | undefined {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.x === 'string' && typeof jwk.y === 'string') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') return 'EdDSA';
  return undefined;
}

function publicPart(jwk: JWK): JWK {
  return jwk.kty === 'EC' ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
}

/** Parses and checks a configured private JWK: a P-256 (EC) or Ed25519 (OKP) key with its private part `d`. */
export async function keyPairFromConfiguredJwk(text: string): Promise<KeyPairJwk> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw new SigningKeyError('JWT_PRIVATE_JWK is not valid JSON');
  }
  const alg = typeof jwk === 'object' && jwk !== null ? algorithmOf(jwk) : undefined;
  if (!alg) {
    throw new SigningKeyError('JWT_PRIVATE_JWK must be a P-256 key ({"kty":"EC","crv":"P-256",...}) or an Ed25519 one ({"kty":"OKP","crv":"Ed25519",...})');
  }
  if (typeof jwk.d !== 'string') throw new SigningKeyError('JWT_PRIVATE_JWK must be a private key (with "d")');
  const publicJwk = publicPart(jwk);
  const kid = typeof jwk.kid === 'string' && jwk.kid !== '' ? jwk.kid : await calculateJwkThumbprint(publicJwk);
  const privateJwk: JWK = { ...publicJwk, d: jwk.d };
  await importPrivate(privateJwk, 'JWT_PRIVATE_JWK');
  return { kid, privateJwk, publicJwk };
}

/** A fresh key pair for TOKEN_ALGORITHM (ES256: P-256); the kid is its RFC 7638 thumbprint. */
export async function generateKeyPairJwk(): Promise<KeyPairJwk> {
  const { privateKey } = await generateKeyPair(TOKEN_ALGORITHM, { extractable: true });
  const exported = await exportJWK(privateKey);
  const publicJwk = publicPart(exported);
  return { kid: await calculateJwkThumbprint(publicJwk), privateJwk: { ...publicJwk, d: exported.d }, publicJwk };
}

async function importPrivate(jwk: JWK, source: string): Promise<CryptoKey> {
  const alg = algorithmOf(jwk);
  try {
    if (!alg) throw new Error('unknown key type');
    return (await importJWK(jwk, alg)) as CryptoKey;
  } catch {
    throw new SigningKeyError(`${source} is not a usable P-256 or Ed25519 private key`);
  }
}

interface SigningKeyRow {
  kid: string;
  private_jwk: JWK;
  public_jwk: JWK;
}

const selectActive = 'select kid, private_jwk, public_jwk from signing_key where active';

/**
 * The active key of the users database, created on first start. Processes starting together each try to insert their
 * own key; the partial unique index (one active row) lets exactly one insert win, and everyone reads that one back.
 */
export async function loadOrCreateStoredKeyPair(em: EntityManager, logger: Logger): Promise<KeyPairJwk> {
  const existing = await em.execute<SigningKeyRow[]>(selectActive);
  if (existing[0]) return rowToKeyPair(existing[0]);
  const candidate = await generateKeyPairJwk();
  const inserted = await em.execute<SigningKeyRow[]>(
    `insert into signing_key (kid, private_jwk, public_jwk, active) values (?, ?::jsonb, ?::jsonb, true)
     on conflict do nothing returning kid`,
    [candidate.kid, JSON.stringify(candidate.privateJwk), JSON.stringify(candidate.publicJwk)],
  );
  if (inserted.length > 0) logger.info({ kid: candidate.kid }, 'generated and stored a new token signing key');
  const rows = await em.execute<SigningKeyRow[]>(selectActive);
  if (!rows[0]) throw new Error('no active signing key after insert');
  return rowToKeyPair(rows[0]);
}

function rowToKeyPair(row: SigningKeyRow): KeyPairJwk {
  return { kid: row.kid, privateJwk: row.private_jwk, publicJwk: row.public_jwk };
}

/** The public JWK as published: alg and use say what it is for, kid says which token header it matches. */
export function publicJwkEntry(pair: KeyPairJwk): JWK {
  return { ...pair.publicJwk, kid: pair.kid, alg: algorithmOf(pair.publicJwk), use: 'sig' };
}

export async function signingKeysFrom(pair: KeyPairJwk): Promise<SigningKeys> {
  const privateKey = await importPrivate(pair.privateJwk, 'the signing key');
  return { kid: pair.kid, alg: algorithmOf(pair.publicJwk)!, privateKey, jwks: { keys: [publicJwkEntry(pair)] } };
}

/** JWT_PRIVATE_JWK when configured (several replicas share one key that way), else the key stored in users' database. */
export async function resolveSigningKeys(
  configuredJwk: string | undefined,
  em: EntityManager,
  logger: Logger,
): Promise<SigningKeys> {
  const pair = configuredJwk ? await keyPairFromConfiguredJwk(configuredJwk) : await loadOrCreateStoredKeyPair(em, logger);
  return signingKeysFrom(pair);
}
