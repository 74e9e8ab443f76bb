// The provider webhook's signature: `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-signature';
/** How far `t` may be from the receiver's clock (5 minutes), either way. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

function hmacHex(secret: string, timestamp: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The header value for `body` signed at `timestampSeconds`. */
export function signWebhook(secret: string, body: Buffer | string, timestampSeconds: number = Math.floor(Date.now() / 1000)): string {
  const t = String(Math.floor(timestampSeconds));
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

/**
 * Checks a signature header against the raw body: a parsable `t`, within the tolerance of `nowSeconds`, and at least
 * one `v1` equal (timing-safe) to the expected HMAC. Several v1 entries are allowed (secret rotation).
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | string[] | undefined,
  body: Buffer | string,
  nowSeconds: number = Date.now() / 1000,
  toleranceSeconds: number = SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
  if (header === undefined || header === '') return { ok: false, reason: 'missing' };
  if (Array.isArray(header)) return { ok: false, reason: 'malformed' };
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, reason: 'malformed' };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined) return { ok: false, reason: 'malformed' };
      timestamp = value;
    } else if (key === 'v1') signatures.push(value);
    // Other schemes (v0, …) are ignored, as providers do.
  }
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  let matched = false;
  for (const signature of signatures) {
    if (!/^[0-9a-fA-F]{64}$/.test(signature)) continue;
    // Every candidate is compared (no early exit), in constant time for its length.
    if (timingSafeEqual(expected, Buffer.from(signature, 'hex'))) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: 'mismatch' };
}
