import type { RequestContext, RequestLoader } from '@limitedcart/common';
import type { UserView } from '../services/user-view.ts';

export function queryResolvers(loader: RequestLoader<UserView | null>) {
  return {
    /** null without a login (and for a valid token whose account no longer exists). */
    me: (_parent: unknown, _args: unknown, ctx: RequestContext): Promise<UserView | null> | null =>
      ctx.user ? loader(ctx).load(ctx.user.id) : null,
  };
}
