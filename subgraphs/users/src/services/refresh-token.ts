import { createHash, randomBytes } from 'node:crypto';

const TOKEN_BYTES = 32;
// 32 bytes in base64url without padding.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A new opaque refresh token: 256 random bits, base64url. */
export function newRefreshToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** Only this digest is stored: a leaked table does not hand out sessions. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Rejects obvious garbage before it costs a query. */
export function looksLikeRefreshToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}
