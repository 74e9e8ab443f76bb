import { money } from '@limitedcart/common';
import type { CartView, PricedCartLine } from '../services/cart.service.ts';

export const cartResolvers = {
  subtotal: (cart: CartView) => money(cart.subtotalMinor, cart.currency),
};

export const cartItemResolvers = {
  product: (line: PricedCartLine) => ({ __typename: 'Product', id: line.productId }),
  unitPrice: (line: PricedCartLine) => money(line.unitPriceMinor, line.currency),
  lineTotal: (line: PricedCartLine) => money(line.unitPriceMinor * line.quantity, line.currency),
};
