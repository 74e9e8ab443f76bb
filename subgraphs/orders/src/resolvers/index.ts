import type { GraphQLResolverMap } from '@apollo/subgraph';
import { DateTimeScalar, type RequestContext } from '@limitedcart/common';
import type { CartService } from '../services/cart.service.ts';
import type { OrderPlacementService } from '../services/order-placement.service.ts';
import type { OrderService } from '../services/order.service.ts';
import { cartItemResolvers, cartResolvers } from './cart.resolver.ts';
import { mutationResolvers } from './mutation.resolver.ts';
import { orderItemResolvers, orderLoaders, orderResolvers } from './order.resolver.ts';
import { queryResolvers, userResolvers } from './query.resolver.ts';

export interface OrdersResolverDeps {
  cart: CartService;
  placement: OrderPlacementService;
  orders: OrderService;
}

type ResolverGroup = GraphQLResolverMap<RequestContext>[string];

export function ordersResolvers(deps: OrdersResolverDeps): GraphQLResolverMap<RequestContext> {
  const loaders = orderLoaders(deps.orders);
  return {
    DateTime: DateTimeScalar,
    Query: queryResolvers(deps.cart, deps.orders, loaders) as ResolverGroup,
    Mutation: mutationResolvers(deps.cart, deps.placement, deps.orders, loaders) as ResolverGroup,
    Order: orderResolvers(deps.orders, loaders) as ResolverGroup,
    OrderItem: orderItemResolvers as ResolverGroup,
    Cart: cartResolvers as ResolverGroup,
    CartItem: cartItemResolvers as ResolverGroup,
    User: userResolvers(deps.orders) as ResolverGroup,
  };
}
