import type { GraphQLResolverMap } from '@apollo/subgraph';
import { perRequestLoader, type RequestContext } from '@limitedcart/common';
import type { StockService } from '../services/stock.service.ts';
import { mutationResolvers } from './mutation.resolver.ts';
import { productResolvers } from './product.resolver.ts';

export function inventoryResolvers(stock: StockService): GraphQLResolverMap<RequestContext> {
  const loader = perRequestLoader((ids) => stock.findByProductIds(ids), 500);
  return {
    Mutation: mutationResolvers(stock),
    Product: productResolvers(loader) as GraphQLResolverMap<RequestContext>[string],
  };
}
