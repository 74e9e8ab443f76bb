import type { Role } from '@limitedcart/common';
import type { User } from '../entities/user.entity.ts';

/** What GraphQL resolves a User from: never the password hash. */
export interface UserView {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  createdAt: Date;
  /**
   * Set when the caller has just proved they own this account (register, login) although the request carries no
   * token yet, so the payload may show them their own email.
   */
  ownedByCaller?: true;
}

const ROLE_ORDER: Role[] = ['CUSTOMER', 'ADMIN'];

/** Deduplicated, in a stable order, so equal role sets look equal everywhere. */
export function canonicalRoles(roles: readonly Role[]): Role[] {
  return ROLE_ORDER.filter((role) => roles.includes(role));
}

export function toUserView(user: User, ownedByCaller = false): UserView {
  const view: UserView = { id: user.id, email: user.email, name: user.name, roles: canonicalRoles(user.roles), createdAt: user.createdAt };
  if (ownedByCaller) view.ownedByCaller = true;
  return view;
}
