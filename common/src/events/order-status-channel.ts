// Live order updates on Redis pub/sub (DESIGN §4): orders publishes every status change on one channel; each gateway
// process subscribes once and fans the messages out to its own graphql-ws subscribers.
import { ORDER_STATUSES, type OrderStatus } from './order-events.ts';

/** What one message on the channel says: enough to route it (order, customer) and to drop duplicates (version). */
export interface OrderStatusMessage {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  /** Position of the status in the order's history (1 = PENDING). */
  version: number;
  /** ISO-8601. */
  at: string;
}

/** The channel under the deployment's Redis prefix. */
export const orderStatusChannel = (redisPrefix: string): string => `${redisPrefix}orders:status`;

export function encodeOrderStatusMessage(message: OrderStatusMessage): string {
  return JSON.stringify(message);
}

/** The message, or null for anything that is not one (never throws: a bad message must not break a subscriber). */
export function decodeOrderStatusMessage(raw: string): OrderStatusMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  const ok =
    typeof m.orderId === 'string' &&
    typeof m.customerId === 'string' &&
    typeof m.status === 'string' &&
    (ORDER_STATUSES as readonly string[]).includes(m.status) &&
    Number.isSafeInteger(m.version) &&
    typeof m.at === 'string';
  if (!ok) return null;
  return { orderId: m.orderId as string, customerId: m.customerId as string, status: m.status as OrderStatus, version: m.version as number, at: m.at as string };
}
