import type { RequestContext } from '@limitedcart/common';
import DataLoader from 'dataloader';

/**
 * One loader per request (a WeakMap keyed by the per-request context scopes its cache to the request): every
 * reference resolved in one `_entities` call, or every `category` of one page, becomes one batch = one query.
 */
export function perRequestLoader<V>(batch: (ids: readonly string[]) => Promise<(V | null)[]>) {
  const loaders = new WeakMap<RequestContext, DataLoader<string, V | null>>();
  return (ctx: RequestContext): DataLoader<string, V | null> => {
    let loader = loaders.get(ctx);
    if (!loader) {
      loader = new DataLoader(batch, { maxBatchSize: 1_000 });
      loaders.set(ctx, loader);
    }
    return loader;
  };
}
