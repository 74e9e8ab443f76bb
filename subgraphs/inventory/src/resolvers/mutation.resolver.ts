import { requireAdmin, type RequestContext } from '@limitedcart/common';
import type { RestockResult, StockService } from '../services/stock.service.ts';

export function mutationResolvers(stock: StockService) {
  return {
    restock: (_: unknown, args: { input: { productId: string; quantity: number } }, ctx: RequestContext): Promise<RestockResult> => {
      requireAdmin(ctx);
      return stock.restock(ctx, args.input);
    },
  };
}
