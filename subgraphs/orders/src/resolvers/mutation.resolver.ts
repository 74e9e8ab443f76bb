import { requireAdmin, requireUser, type RequestContext } from '@limitedcart/common';
import type { CartLine, CartService } from '../services/cart.service.ts';
import type { OrderPlacementService, PlaceOrderInput } from '../services/order-placement.service.ts';
import type { OrderService } from '../services/order.service.ts';
import type { OrderLoaders } from './order.resolver.ts';

export function mutationResolvers(cart: CartService, placement: OrderPlacementService, orders: OrderService, loaders: OrderLoaders) {
  return {
    addToCart: (_: unknown, { input }: { input: CartLine }, ctx: RequestContext) => cart.add(ctx, requireUser(ctx).id, input),
    updateCartItem: (_: unknown, { input }: { input: CartLine }, ctx: RequestContext) => cart.update(ctx, requireUser(ctx).id, input),
    removeFromCart: (_: unknown, { productId }: { productId: string }, ctx: RequestContext) => cart.remove(requireUser(ctx).id, productId),
    placeOrder: async (_: unknown, { input }: { input: PlaceOrderInput }, ctx: RequestContext) => {
      const result = await placement.place(ctx, requireUser(ctx).id, input);
      // The answer's items come from what was just written, not from a read back.
      if (result.order && result.lines) loaders.lines(ctx).prime(result.order.id, result.lines);
      return result;
    },
    cancelOrder: (_: unknown, { input }: { input: { id: string; reason?: string | null } }, ctx: RequestContext) =>
      orders.cancel(ctx, requireUser(ctx), input),
    markOrderShipped: (_: unknown, { id }: { id: string }, ctx: RequestContext) => orders.ship(requireAdmin(ctx), id),
    markOrderDelivered: (_: unknown, { id }: { id: string }, ctx: RequestContext) => orders.deliver(requireAdmin(ctx), id),
  };
}
