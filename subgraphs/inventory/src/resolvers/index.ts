import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { RequestContext } from '@limitedcart/common';
import { stockLoaderFactory } from '../loaders/stock.loader.ts';
import type { StockService } from '../services/stock.service.ts';
import { mutationResolvers } from './mutation.resolver.ts';
import { productResolvers } from './product.resolver.ts';

export function inventoryResolvers(stock: StockService): GraphQLResolverMap<RequestContext> {
  const loader = stockLoaderFactory((ids) => stock.findByProductIds(ids));
  return {
    Mutation: mutationResolvers(stock),
    Product: productResolvers(loader) as GraphQLResolverMap<RequestContext>[string],
  };
}
