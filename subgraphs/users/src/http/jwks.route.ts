import { sendJson, type Route } from '@limitedcart/common';
import type { JSONWebKeySet } from 'jose';

/** Verifiers cache the key set this long; an unknown kid makes jose's remote set refetch earlier anyway. */
export const JWKS_MAX_AGE_SECONDS = 300;

/** `GET /.well-known/jwks.json`: the public keys that verify users' access tokens (never a private part). */
export function jwksRoute(jwks: JSONWebKeySet): Route {
  const publicOnly: JSONWebKeySet = {
    keys: jwks.keys.map(({ kty, crv, x, y, kid, alg, use }) => ({ kty, crv, x, ...(y === undefined ? {} : { y }), kid, alg, use })),
  };
  return {
    method: 'GET',
    path: '/.well-known/jwks.json',
    handler: (_req, res) => {
      res.setHeader('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
      sendJson(res, 200, publicOnly);
    },
  };
}
