import type { RequestContext } from '@limitedcart/common';
import DataLoader from 'dataloader';
import type { PaymentView } from '../services/payment-rows.ts';

export type PaymentsLoader = DataLoader<string, PaymentView[]>;

/**
 * One loader per request (WeakMap keyed by the per-request context): the payment fields of every Order reference of
 * one `_entities` call become one `WHERE order_id IN (...)`.
 */
export function paymentsLoaderFactory(batch: (orderIds: readonly string[]) => Promise<PaymentView[][]>) {
  const loaders = new WeakMap<RequestContext, PaymentsLoader>();
  return (ctx: RequestContext): PaymentsLoader => {
    let loader = loaders.get(ctx);
    if (!loader) {
      loader = new DataLoader(batch, { maxBatchSize: 500 });
      loaders.set(ctx, loader);
    }
    return loader;
  };
}
