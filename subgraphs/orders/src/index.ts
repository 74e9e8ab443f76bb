import type { ServiceModule } from '@limitedcart/common';
import { startOrders } from './orders.app.ts';

export { startOrders, ORDERS_SDL, type OrdersStartOptions, type RunningOrders } from './orders.app.ts';

/** The orders subgraph: carts, placeOrder and the admission gate's order records, the saga's orchestrator, live updates. */
export const ordersService: ServiceModule = {
  name: 'orders',
  start: startOrders,
};
