import type { RequestContext } from '@limitedcart/common';
import DataLoader from 'dataloader';
import type { UserView } from '../services/user-view.ts';

export type UserLoader = DataLoader<string, UserView | null>;

/**
 * One loader per request (the context object is per request, so a WeakMap keyed by it scopes the cache to the request
 * and lets it be collected afterwards). Every User reference in one `_entities` call becomes one `WHERE id IN (...)`.
 */
export function userLoaderFactory(batch: (ids: readonly string[]) => Promise<(UserView | null)[]>) {
  const loaders = new WeakMap<RequestContext, UserLoader>();
  return (ctx: RequestContext): UserLoader => {
    let loader = loaders.get(ctx);
    if (!loader) {
      loader = new DataLoader(batch, { maxBatchSize: 500 });
      loaders.set(ctx, loader);
    }
    return loader;
  };
}
