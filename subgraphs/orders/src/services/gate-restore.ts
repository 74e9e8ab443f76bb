import type { Logger } from '@limitedcart/common';
import type { AdmissionGate, LiveOrder } from '@limitedcart/common/admission';
import type { MikroORM } from '@mikro-orm/postgresql';
import { LIVE_STATUSES } from './order-status.ts';

/**
 * Orders own the gate's order records (allowances per customer, units admitted but not yet held, and the ids of every
 * order ever admitted). When Redis lost them (or never had them), they are rebuilt from PostgreSQL, the record; until
 * then placeOrder looks in PostgreSQL for an earlier order before the gate decides.
 */
export async function restoreGateIfLost(orm: MikroORM, gate: AdmissionGate, logger: Logger): Promise<number | null> {
  if (await gate.hasState()) return null;
  const rows = await orm.em.fork().execute<{ id: string; customer_id: string; status: string; product_id: string; quantity: number }[]>(
    `select o.id, o.customer_id, o.status, l.product_id, l.quantity
       from orders o join order_line l on l.order_id = o.id
      where o.status in (?) order by o.id, l.position`,
    [[...LIVE_STATUSES]],
  );
  const orders = new Map<string, LiveOrder>();
  for (const r of rows) {
    const order = orders.get(r.id) ?? { orderId: r.id, customerId: r.customer_id, held: r.status !== 'PENDING', lines: [] };
    order.lines.push({ productId: r.product_id, quantity: r.quantity });
    orders.set(r.id, order);
  }
  // Ended orders leave a tombstone: the gate answers a retry of their key from PostgreSQL, never as a new order.
  const ended = await orm.em.fork().execute<{ id: string }[]>(`select id from orders where status not in (?)`, [[...LIVE_STATUSES]]);
  const restored = await gate.restoreOrders([...orders.values()], ended.map((r) => r.id));
  logger.info({ liveOrders: orders.size, restored, endedOrders: ended.length }, 'admission gate records restored from PostgreSQL');
  return restored;
}
