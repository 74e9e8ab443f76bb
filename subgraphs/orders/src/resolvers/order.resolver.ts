import { fromMap, money, perRequestLoader, type RequestContext } from '@limitedcart/common';
import type { OrderRecord } from '../services/order-record.ts';
import type { OrderLineView, OrderService, StatusChangeView } from '../services/order.service.ts';

/** Batched per request: one query for all orders, lines or histories that one response needs. */
export function orderLoaders(orders: OrderService) {
  return {
    order: perRequestLoader(fromMap<OrderRecord>((ids) => orders.findByIds(ids))),
    lines: perRequestLoader(fromMap<OrderLineView[]>((ids) => orders.linesOf(ids))),
    history: perRequestLoader(fromMap<StatusChangeView[]>((ids) => orders.historyOf(ids))),
  };
}
export type OrderLoaders = ReturnType<typeof orderLoaders>;

/** `Order` fields; references resolve only for the owner or an ADMIN (null otherwise: existence is not leaked). */
export function orderResolvers(orders: OrderService, loaders: OrderLoaders) {
  return {
    __resolveReference: async (ref: { id: string }, ctx: RequestContext): Promise<OrderRecord | null> =>
      orders.visible(await loaders.order(ctx).load(ref.id), ctx.user),
    customer: (o: OrderRecord) => ({ __typename: 'User', id: o.customerId }),
    total: (o: OrderRecord) => money(o.totalMinor, o.currency),
    items: async (o: OrderRecord, _: unknown, ctx: RequestContext) =>
      ((await loaders.lines(ctx).load(o.id)) ?? []).map((line) => ({ ...line, currency: o.currency })),
    statusHistory: async (o: OrderRecord, _: unknown, ctx: RequestContext): Promise<StatusChangeView[]> =>
      (await loaders.history(ctx).load(o.id)) ?? [],
  };
}

export const orderItemResolvers = {
  product: (line: OrderLineView) => ({ __typename: 'Product', id: line.productId, name: line.productName }),
  unitPrice: (line: OrderLineView & { currency: string }) => money(line.unitPriceMinor, line.currency),
  lineTotal: (line: OrderLineView & { currency: string }) => money(line.unitPriceMinor * line.quantity, line.currency),
};
