import { createLogger, type RequestContext } from '@limitedcart/common';
import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { UserView } from '../services/user-view.ts';
import { userResolvers } from './user.resolver.ts';

const logger = createLogger('users-test', 'silent');
const ctx = (user: RequestContext['user']): RequestContext => ({ correlationId: 'c', user, authorization: undefined, logger });
const ann: UserView = { id: 'u-ann', email: 'ann@example.com', name: 'Ann', roles: ['CUSTOMER'], createdAt: new Date(0) };
const resolvers = userResolvers(() => {
  throw new Error('not used');
});

describe('User.email visibility', () => {
  it('is visible to the account itself and to ADMINs', () => {
    expect(resolvers.email(ann, {}, ctx({ id: 'u-ann', roles: ['CUSTOMER'] }))).toBe('ann@example.com');
    expect(resolvers.email(ann, {}, ctx({ id: 'u-admin', roles: ['ADMIN'] }))).toBe('ann@example.com');
  });

  it('is visible in a register/login payload before any token exists', () => {
    expect(resolvers.email({ ...ann, ownedByCaller: true }, {}, ctx(null))).toBe('ann@example.com');
  });

  it('is a FORBIDDEN error for other customers and anonymous callers', () => {
    for (const caller of [{ id: 'u-bob', roles: ['CUSTOMER' as const] }, null]) {
      let error: GraphQLError | undefined;
      try {
        resolvers.email(ann, {}, ctx(caller));
      } catch (e) {
        error = e as GraphQLError;
      }
      expect(error?.extensions.code).toBe('FORBIDDEN');
    }
  });
});
