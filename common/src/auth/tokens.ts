/** What users signs and every other service checks. */
export const TOKEN_ISSUER = 'limitedcart-users';
export const TOKEN_AUDIENCE = 'limitedcart';
/**
 * What new signing keys use: ES256 (P-256). Its check costs ~70 µs of CPU here against Ed25519's ~100 µs, and the
 * gateway checks one for every new token, which in a drop is every request.
 */
export const TOKEN_ALGORITHM = 'ES256';
/** What a token may be signed with (DESIGN.md): keys made before ES256 became the default stay valid. */
export const TOKEN_ALGORITHMS = ['ES256', 'EdDSA'] as const;
export type TokenAlgorithm = (typeof TOKEN_ALGORITHMS)[number];

/** The claims of an access token beyond the registered ones (sub, iat, exp, iss, aud, jti). */
export interface AccessTokenClaims {
  roles: string[];
}
