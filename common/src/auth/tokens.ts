/** What users signs and every other service checks. */
export const TOKEN_ISSUER = 'limitedcart-users';
export const TOKEN_AUDIENCE = 'limitedcart';
/** Ed25519: small keys, fast verification, no parameter choices to get wrong. */
export const TOKEN_ALGORITHM = 'EdDSA';

/** The claims of an access token beyond the registered ones (sub, iat, exp, iss, aud, jti). */
export interface AccessTokenClaims {
  roles: string[];
}
