import { bearerToken } from '@limitedcart/common';

/**
 * When the access token in an Authorization header expires (ms since the epoch), read from its `exp` claim; undefined
 * when there is none. Only for a token the gateway has already verified: this reads the claim, it proves nothing.
 */
export function accessTokenExpiry(authorization: string | undefined): number | undefined {
  try {
    const payload = bearerToken(authorization)?.split('.')[1];
    if (!payload) return undefined;
    const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
