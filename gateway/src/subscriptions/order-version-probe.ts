import type { GatewayContext } from '../auth/gateway-context.ts';
import type { GatewayExecutor } from './subscription-source.ts';

/**
 * The subscriber's view of one order's status version: `statusHistory` has one entry per status, in version order
 * (version 1 = PENDING, as on the status channel). Runs through the gateway with the subscriber's context, so it is also
 * the ownership check: the owner and ADMINs see the order, anyone else gets null.
 */
export const ORDER_VERSION_QUERY = 'query LimitedcartOrderVersion($id: ID!) { order(id: $id) { statusHistory { status } } }';

export type OrderVersionProbe =
  /** The subscriber sees the order, at this version (or a later one by the time anything else reads it). */
  | { kind: 'visible'; version: number }
  /** Someone else's order, or no such order. */
  | { kind: 'hidden' }
  /** The probe failed (a subgraph error): nothing is known. */
  | { kind: 'unknown' };

export async function probeOrderVersion(execute: GatewayExecutor, orderId: string, context: GatewayContext): Promise<OrderVersionProbe> {
  const result = await execute({ query: ORDER_VERSION_QUERY, operationName: 'LimitedcartOrderVersion', variables: { id: orderId } }, context);
  const order = result.data?.order as { statusHistory?: unknown } | null | undefined;
  if (order === null && !result.errors?.length) return { kind: 'hidden' };
  if (order && Array.isArray(order.statusHistory)) return { kind: 'visible', version: order.statusHistory.length };
  context.logger.debug({ orderId, errors: result.errors }, 'order version probe failed');
  return { kind: 'unknown' };
}
