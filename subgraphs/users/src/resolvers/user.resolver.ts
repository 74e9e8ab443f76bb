import { forbidden, isAdmin, type RequestContext, type RequestLoader } from '@limitedcart/common';
import type { UserView } from '../services/user-view.ts';

/**
 * `User`: resolved by reference from other subgraphs (batched per request). `email` is personal data: only the account
 * itself and ADMINs see it; anyone else gets null with a FORBIDDEN error on that one field.
 */
export function userResolvers(loader: RequestLoader<UserView | null>) {
  return {
    __resolveReference: (reference: { id: string }, ctx: RequestContext): Promise<UserView | null> =>
      loader(ctx).load(reference.id),
    email: (user: UserView, _args: unknown, ctx: RequestContext): string => {
      if (user.ownedByCaller || ctx.user?.id === user.id || isAdmin(ctx.user)) return user.email;
      throw forbidden("Only the account's owner or an ADMIN can see its email address.");
    },
  };
}
