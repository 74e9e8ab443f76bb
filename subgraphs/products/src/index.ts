import type { ServiceModule } from '@limitedcart/common';
import { startProducts } from './products.app.ts';

export { startProducts, PRODUCTS_SDL, type RunningProducts, type ProductsStartOptions } from './products.app.ts';

/** The products subgraph: catalog (products, categories, prices), full-text search, read cache, products.events. */
export const productsService: ServiceModule = {
  name: 'products',
  start: (config, logger) => startProducts(config, logger),
};
