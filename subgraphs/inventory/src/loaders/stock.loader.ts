import type { RequestContext } from '@limitedcart/common';
import DataLoader from 'dataloader';
import type { StockLevel } from '../services/stock.service.ts';

export type StockLoader = DataLoader<string, StockLevel | null>;

/**
 * One loader per request (WeakMap keyed by the per-request context): every Product reference of one `_entities` call
 * becomes one `WHERE product_id IN (...)`.
 */
export function stockLoaderFactory(batch: (ids: readonly string[]) => Promise<(StockLevel | null)[]>) {
  const loaders = new WeakMap<RequestContext, StockLoader>();
  return (ctx: RequestContext): StockLoader => {
    let loader = loaders.get(ctx);
    if (!loader) {
      loader = new DataLoader(batch, { maxBatchSize: 500 });
      loaders.set(ctx, loader);
    }
    return loader;
  };
}
