import { connectionFromRows, forbidden, isAdmin, pageSize, requireUser, type RequestContext } from '@limitedcart/common';
import type { CartService } from '../services/cart.service.ts';
import type { OrderStatus } from '../services/order-status.ts';
import { orderCursor, type OrderService } from '../services/order.service.ts';
import { isUuid } from '../services/order-record.ts';
import type { OrderLoaders } from './order.resolver.ts';

interface OrdersArgs {
  first?: number | null;
  after?: string | null;
  status?: OrderStatus | null;
}

/** myOrders and User.orders: one page of a customer's orders, newest first. */
export async function ordersPage(orders: OrderService, customerId: string, args: OrdersArgs) {
  const first = pageSize(args.first);
  const page = await orders.listForCustomer(customerId, first, args.after, args.status);
  return connectionFromRows(page.rows, first, page.hasPrevious, page.totalCount, orderCursor, (o) => o);
}

export function queryResolvers(cart: CartService, orders: OrderService, loaders: OrderLoaders) {
  return {
    cart: (_: unknown, _args: unknown, ctx: RequestContext) => cart.view(requireUser(ctx).id),
    order: async (_: unknown, args: { id: string }, ctx: RequestContext) => {
      if (!isUuid(args.id)) return null;
      return orders.visible(await loaders.order(ctx).load(args.id), ctx.user);
    },
    myOrders: (_: unknown, args: OrdersArgs, ctx: RequestContext) => ordersPage(orders, requireUser(ctx).id, args),
  };
}

/** `User.orders`: the user themselves or an ADMIN. */
export function userResolvers(orders: OrderService) {
  return {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    orders: (user: { id: string }, args: OrdersArgs, ctx: RequestContext) => {
      const viewer = requireUser(ctx);
      if (viewer.id !== user.id && !isAdmin(viewer)) throw forbidden("Only the user themselves or an ADMIN may list a user's orders.");
      return ordersPage(orders, user.id, args);
    },
  };
}
