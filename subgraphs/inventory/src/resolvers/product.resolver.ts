import { forbidden, isAdmin, type RequestContext, type RequestLoader } from '@limitedcart/common';
import type { StockLevel } from '../services/stock.service.ts';

/** The Product as inventory resolves it: its stock, or zeros for a product inventory has not heard of yet. */
export type ProductStockView = StockLevel;

const empty = (productId: string): ProductStockView => ({ productId, available: 0, reserved: 0, sold: 0 });

/** `Product` fields inventory contributes; references are batched per request. `stock` is ADMIN only. */
export function productResolvers(loader: RequestLoader<StockLevel | null>) {
  return {
    __resolveReference: async (reference: { id: string }, ctx: RequestContext): Promise<ProductStockView> =>
      (await loader(ctx).load(reference.id)) ?? empty(reference.id),
    id: (product: ProductStockView): string => product.productId,
    inStock: (product: ProductStockView): boolean => product.available > 0,
    availableQuantity: (product: ProductStockView): number => product.available,
    stock: (product: ProductStockView, _args: unknown, ctx: RequestContext): StockLevel => {
      if (!isAdmin(ctx.user)) throw forbidden('Stock figures need the ADMIN role.');
      return product;
    },
  };
}
