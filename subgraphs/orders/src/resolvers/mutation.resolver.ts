import { requireAdmin, requireUser, type RequestContext } from '@limitedcart/common';
import type { CartLine, CartService } from '../services/cart.service.ts';
import type { OrderPlacementService, PlaceOrderInput } from '../services/order-placement.service.ts';
import type { OrderService } from '../services/order.service.ts';

export function mutationResolvers(cart: CartService, placement: OrderPlacementService, orders: OrderService) {
  return {
    addToCart: (_: unknown, { input }: { input: CartLine }, ctx: RequestContext) => cart.add(ctx, requireUser(ctx).id, input),
    updateCartItem: (_: unknown, { input }: { input: CartLine }, ctx: RequestContext) => cart.update(ctx, requireUser(ctx).id, input),
    removeFromCart: (_: unknown, { productId }: { productId: string }, ctx: RequestContext) => cart.remove(requireUser(ctx).id, productId),
    placeOrder: (_: unknown, { input }: { input: PlaceOrderInput }, ctx: RequestContext) => placement.place(ctx, requireUser(ctx).id, input),
    cancelOrder: (_: unknown, { input }: { input: { id: string; reason?: string | null } }, ctx: RequestContext) =>
      orders.cancel(ctx, requireUser(ctx), input),
    markOrderShipped: (_: unknown, { id }: { id: string }, ctx: RequestContext) => orders.ship(requireAdmin(ctx), id),
    markOrderDelivered: (_: unknown, { id }: { id: string }, ctx: RequestContext) => orders.deliver(requireAdmin(ctx), id),
  };
}
