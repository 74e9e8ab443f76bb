import DataLoader from 'dataloader';
import type { RequestContext } from '../context.ts';

/** The request's own DataLoader (see perRequestLoader). */
export type RequestLoader<V> = (ctx: RequestContext) => DataLoader<string, V>;

/**
 * One DataLoader per request (a WeakMap keyed by the per-request context scopes its cache to the request and lets it
 * be collected afterwards): every reference resolved in one `_entities` call, or every nested field of one page,
 * becomes one batch = one query.
 */
export function perRequestLoader<V>(batch: (ids: readonly string[]) => Promise<V[]>, maxBatchSize = 1_000): RequestLoader<V> {
  const loaders = new WeakMap<RequestContext, DataLoader<string, V>>();
  return (ctx) => {
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
