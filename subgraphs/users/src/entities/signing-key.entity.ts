import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { JWK } from 'jose';

/**
 * A generated key pair (P-256 since ES256 is the default; older rows Ed25519) for access tokens (used when JWT_PRIVATE_JWK is not configured). At most one row is
 * active (a partial unique index), so processes racing on first start all end up with the same key.
 */
export const SigningKeyEntity = defineEntity({
  name: 'SigningKey',
  tableName: 'signing_key',
  properties: {
    kid: p.string().primary(),
    privateJwk: p.json<JWK>().fieldName('private_jwk').hidden(),
    publicJwk: p.json<JWK>().fieldName('public_jwk'),
    active: p.boolean(),
    createdAt: p.datetime().fieldName('created_at'),
  },
});

export type SigningKey = InferEntity<typeof SigningKeyEntity>;
