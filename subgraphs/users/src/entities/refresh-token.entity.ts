import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * One refresh token of a login. Only the SHA-256 of the token is stored. Every login starts a family; each rotation
 * adds a row to it and marks the previous one used, so a reused token can revoke its whole family.
 */
export const RefreshTokenEntity = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_token',
  properties: {
    id: p.uuid().primary(),
    userId: p.uuid().fieldName('user_id'),
    familyId: p.uuid().fieldName('family_id'),
    tokenHash: p.string().fieldName('token_hash'),
    expiresAt: p.datetime().fieldName('expires_at'),
    createdAt: p.datetime().fieldName('created_at'),
    usedAt: p.datetime().fieldName('used_at').nullable(),
    revokedAt: p.datetime().fieldName('revoked_at').nullable(),
  },
});

export type RefreshToken = InferEntity<typeof RefreshTokenEntity>;
