import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { Role } from '@limitedcart/common';

/** An account. `email` is unique in its normalized (trimmed, lower-cased) form; the table comes from M001. */
export const UserEntity = defineEntity({
  name: 'User',
  tableName: 'user_account',
  properties: {
    id: p.uuid().primary(),
    email: p.string(),
    name: p.string(),
    /** `scrypt$N$r$p$salt$hash`; never leaves this service. */
    passwordHash: p.string().fieldName('password_hash').hidden(),
    roles: p.array<Role>().columnType('text[]'),
    createdAt: p.datetime().fieldName('created_at'),
    updatedAt: p.datetime().fieldName('updated_at'),
  },
});

export type User = InferEntity<typeof UserEntity>;
