import DataLoader from 'dataloader';
import type { RequestContext } from '../context.ts';

/**
 * One DataLoader per request (a WeakMap keyed by the per-request context scopes its cache to the request): every
 * reference resolved in one `_entities` call, or every nested field of one page, becomes one batch = one query.
 */
export function perRequestLoader<V>(batch: (ids: readonly string[]) => Promise<(V | null)[]>, maxBatchSize = 1_000) {
  const loaders = new WeakMap<RequestContext, DataLoader<string, V | null>>();
  return (ctx: RequestContext): DataLoader<string, V | null> => {
    let loader = loaders.get(ctx);
    if (!loader) {
      loader = new DataLoader(batch, { maxBatchSize });
      loaders.set(ctx, loader);
    }
    return loader;
  };
}

/** A batch function from a Map-returning lookup: values in key order, null where absent. */
export function fromMap<V>(lookup: (ids: readonly string[]) => Promise<Map<string, V>>) {
  return async (ids: readonly string[]): Promise<(V | null)[]> => {
    const found = await lookup(ids);
    return ids.map((id) => found.get(id) ?? null);
  };
}
