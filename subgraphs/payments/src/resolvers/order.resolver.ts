import { isAdmin, type RequestContext, type RequestLoader } from '@limitedcart/common';
import type { PaymentView } from '../services/payment-rows.ts';

/** An Order as payments resolves it: only its id (orders owns the rest). */
export interface OrderRef {
  id: string;
}

/**
 * The order's payments as the caller may see them: its owner (the paying customer) and ADMINs see them; anyone else,
 * or no login, sees none (null / []), the same as an order without payments — existence is not leaked, as `order(id)`.
 */
async function visiblePayments(loader: ReturnType<RequestLoader<PaymentView[]>>, order: OrderRef, ctx: RequestContext): Promise<PaymentView[]> {
  if (!ctx.user) return [];
  const payments = await loader.load(order.id);
  if (payments.length === 0) return payments;
  return isAdmin(ctx.user) || payments[0]!.customerId === ctx.user.id ? payments : [];
}

/** `Order` fields payments contributes; batched per request. */
export function orderResolvers(loader: RequestLoader<PaymentView[]>) {
  return {
    __resolveReference: (reference: { id: string }): OrderRef => ({ id: reference.id }),
    payment: async (order: OrderRef, _args: unknown, ctx: RequestContext): Promise<PaymentView | null> =>
      (await visiblePayments(loader(ctx), order, ctx)).at(-1) ?? null,
    payments: (order: OrderRef, _args: unknown, ctx: RequestContext): Promise<PaymentView[]> => visiblePayments(loader(ctx), order, ctx),
  };
}
