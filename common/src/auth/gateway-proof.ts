import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { AuthUser } from '../context.ts';
import { userFromClaims } from './token-verifier.ts';

/** The header that carries the gateway's proof to a subgraph. */
export const GATEWAY_PROOF_HEADER = 'x-gateway-verified';

/**
 * The gateway's word that it verified this exact token's signature: HMAC-SHA256 under INTERNAL_AUTH_SECRET, which
 * only the gateway and the subgraphs hold. A signature check costs ~70–100 µs here and a drop's tokens are new to every
 * process, so a subgraph behind the gateway checks this (~3 µs) and the token's claims instead of the signature again.
 */
export function gatewayProof(secret: string, token: string): string {
  return createHmac('sha256', keyOf(secret)).update(token).digest('base64url');
}

// A KeyObject per secret: made from a string on every call, the key cost as much as the MAC.
const keys = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = createSecretKey(Buffer.from(secret, 'utf8'))));
  return key;
}

/**
 * The caller, when `proof` is the gateway's for `token` and the token's claims hold (issuer, audience, not expired,
 * subject); null otherwise, and the subgraph verifies the signature itself (a direct caller, a forged or stale proof).
 */
export function vouchedUser(secret: string, token: string, proof: string | string[] | undefined, nowMs = Date.now()): AuthUser | null {
  if (typeof proof !== 'string') return null;
  const expected = Buffer.from(gatewayProof(secret, token));
  const given = Buffer.from(proof);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    return userFromClaims(decodeJwt(token), nowMs)?.user ?? null;
  } catch {
    return null;
  }
}
