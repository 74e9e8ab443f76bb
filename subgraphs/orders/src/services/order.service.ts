import { decodeCursor, encodeCursor, isAdmin, userError, type AuthUser, type RequestContext, type UserError } from '@limitedcart/common';
import type { MikroORM } from '@mikro-orm/postgresql';
import { isUuid, ORDER_COLUMNS, toOrderRecord, type OrderRecord, type OrderRow } from './order-record.ts';
import type { OrderStatus } from './order-status.ts';
import type { OrderTransitions, TransitionRequest } from './order-transitions.ts';

export const MAX_CANCEL_REASON_LENGTH = 500;

export interface OrderLineView {
  orderId: string;
  productId: string;
  /** Provided to the gateway on OrderItem.product (@provides), so an order's page needs no products call for it. */
  productName: string;
  quantity: number;
  unitPriceMinor: number;
}

export interface StatusChangeView {
  orderId: string;
  status: OrderStatus;
  at: Date;
  reason: string | null;
}

export type OrderResult = { order: OrderRecord; userErrors: [] } | { order: null; userErrors: UserError[] };

export interface OrderPage {
  rows: OrderRecord[];
  first: number;
  hasPrevious: boolean;
  totalCount: number;
}

type Position = [string, string];
const isPosition = (v: unknown): v is Position =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && !Number.isNaN(Date.parse(v[0]));

export const orderCursor = (order: OrderRecord): string => encodeCursor([order.createdAt.toISOString(), order.id]);

/** Rows (already in order) grouped per order id. */
function groupByOrder<T extends { orderId: string }>(rows: readonly T[]): Map<string, T[]> {
  const byOrder = new Map<string, T[]>();
  for (const row of rows) {
    const group = byOrder.get(row.orderId);
    if (group) group.push(row);
    else byOrder.set(row.orderId, [row]);
  }
  return byOrder;
}

const notFound = (field: string[]): OrderResult => ({ order: null, userErrors: [userError('NOT_FOUND', 'No such order.', field)] });
const invalidState = (order: OrderRecord, action: string): OrderResult => ({
  order: null,
  userErrors: [userError('INVALID_STATE', `A ${order.status} order cannot be ${action}.`)],
});

/** Reading orders (owner or ADMIN) and the commands of customers and admins: cancel, ship, deliver. */
export class OrderService {
  readonly #orm: MikroORM;
  readonly #transitions: OrderTransitions;

  constructor(options: { orm: MikroORM; transitions: OrderTransitions }) {
    this.#orm = options.orm;
    this.#transitions = options.transitions;
  }

  /** Orders by id, in one query (missing ids are absent). */
  async findByIds(ids: readonly string[]): Promise<Map<string, OrderRecord>> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return new Map();
    const rows = await this.#orm.em.fork().execute<OrderRow[]>(`select ${ORDER_COLUMNS} from orders where id in (?)`, [valid]);
    return new Map(rows.map((r) => [r.id, toOrderRecord(r)]));
  }

  /** The order if `viewer` may see it (owner or ADMIN), else null: existence is not leaked. */
  visible(order: OrderRecord | undefined | null, viewer: AuthUser | null): OrderRecord | null {
    if (!order || !viewer) return null;
    return order.customerId === viewer.id || isAdmin(viewer) ? order : null;
  }

  /** With each product's name from the catalog projection (every ordered product is in it, archived ones stay). */
  async linesOf(orderIds: readonly string[]): Promise<Map<string, OrderLineView[]>> {
    const rows = await this.#orm.em.fork().execute<{ order_id: string; product_id: string; quantity: number; unit_price_minor: string; name: string }[]>(
      `select l.order_id, l.product_id, l.quantity, l.unit_price_minor, c.name
         from order_line l left join catalog_product c on c.id = l.product_id
        where l.order_id in (?) order by l.order_id, l.position`,
      [[...orderIds]],
    );
    return groupByOrder(
      rows.map((r) => ({ orderId: r.order_id, productId: r.product_id, productName: r.name, quantity: r.quantity, unitPriceMinor: Number(r.unit_price_minor) })),
    );
  }

  async historyOf(orderIds: readonly string[]): Promise<Map<string, StatusChangeView[]>> {
    const rows = await this.#orm.em.fork().execute<{ order_id: string; status: OrderStatus; at: Date; reason: string | null }[]>(
      'select order_id, status, at, reason from order_status_change where order_id in (?) order by order_id, version',
      [[...orderIds]],
    );
    return groupByOrder(rows.map((r) => ({ orderId: r.order_id, status: r.status, at: new Date(r.at), reason: r.reason })));
  }

  /** A customer's orders, newest first (keyset pagination on created_at, id). */
  async listForCustomer(customerId: string, first: number, after: string | null | undefined, status: OrderStatus | null | undefined): Promise<OrderPage> {
    const em = this.#orm.em.fork();
    const where = ['customer_id = ?'];
    const params: unknown[] = [customerId];
    if (status) {
      where.push('status = ?');
      params.push(status);
    }
    const [count] = await em.execute<{ n: string }[]>(`select count(*) as n from orders where ${where.join(' and ')}`, params);
    const pageWhere = [...where];
    const pageParams = [...params];
    if (after) {
      const [at, id] = decodeCursor(after, isPosition);
      pageWhere.push('(created_at, id) < (?::timestamptz, ?::uuid)');
      pageParams.push(at, id);
    }
    const rows = await em.execute<OrderRow[]>(
      `select ${ORDER_COLUMNS} from orders where ${pageWhere.join(' and ')} order by created_at desc, id desc limit ?`,
      [...pageParams, first + 1],
    );
    return { rows: rows.map(toOrderRecord), first, hasPrevious: Boolean(after), totalCount: Number(count?.n ?? 0) };
  }

  /**
   * Owner or ADMIN. PENDING / AWAITING_PAYMENT → CANCELLED (inventory releases the stock, payments refunds a late
   * charge). CONFIRMED → a refund is requested and the order stays CONFIRMED until it settles (REFUNDED); asking again
   * while it is pending changes nothing. Anything else → INVALID_STATE.
   */
  async cancel(ctx: RequestContext, viewer: AuthUser, input: { id: string; reason?: string | null }): Promise<OrderResult> {
    const reason = input.reason?.trim() || null;
    if (reason && reason.length > MAX_CANCEL_REASON_LENGTH) {
      return { order: null, userErrors: [userError('INVALID_INPUT', `reason is at most ${MAX_CANCEL_REASON_LENGTH} characters.`, ['input', 'reason'])] };
    }
    if (!isUuid(input.id)) return notFound(['input', 'id']);
    const result = await this.#orm.em.fork().transactional(async (tx): Promise<OrderResult> => {
      const order = this.visible(await this.#transitions.lock(tx, input.id), viewer);
      if (!order) return notFound(['input', 'id']);
      if (order.status === 'PENDING' || order.status === 'AWAITING_PAYMENT') {
        return this.#outcome(
          await this.#transitions.apply(tx, {
            orderId: order.id,
            to: 'CANCELLED',
            reason: reason ?? 'cancelled by the customer',
            failure: true,
            events: (o) => [{ type: 'OrderCancelled', payload: { orderId: o.id, ...(reason ? { reason } : {}) } }],
          }, order),
          'cancelled',
        );
      }
      if (order.status === 'CONFIRMED') {
        if (order.refundRequestedAt) return { order, userErrors: [] };
        const requested = await this.#transitions.requestRefund(tx, order.id, reason ?? 'cancelled by the customer after payment');
        return { order: requested ?? order, userErrors: [] };
      }
      return invalidState(order, 'cancelled');
    });
    ctx.logger.info({ orderId: input.id, ok: result.userErrors.length === 0 }, 'cancelOrder');
    return result;
  }

  /** ADMIN: CONFIRMED → SHIPPED (not while a refund is pending). */
  async ship(viewer: AuthUser, orderId: string): Promise<OrderResult> {
    return this.#adminMove(viewer, orderId, { to: 'SHIPPED' }, 'shipped');
  }

  /** ADMIN: SHIPPED → DELIVERED. */
  async deliver(viewer: AuthUser, orderId: string): Promise<OrderResult> {
    return this.#adminMove(viewer, orderId, { to: 'DELIVERED' }, 'delivered');
  }

  async #adminMove(viewer: AuthUser, orderId: string, request: Pick<TransitionRequest, 'to'>, action: string): Promise<OrderResult> {
    if (!isUuid(orderId)) return notFound(['id']);
    const result = await this.#orm.em.fork().transactional(async (tx): Promise<OrderResult> => {
      const order = this.visible(await this.#transitions.lock(tx, orderId), viewer);
      if (!order) return notFound(['id']);
      if (order.refundRequestedAt) return invalidState(order, `${action} while its refund is pending, so it`);
      return this.#outcome(await this.#transitions.apply(tx, { orderId, to: request.to }, order), action);
    });
    return result;
  }

  #outcome(result: Awaited<ReturnType<OrderTransitions['apply']>>, action: string): OrderResult {
    if (result.kind === 'applied') return { order: result.order, userErrors: [] };
    if (result.kind === 'refused') return invalidState(result.order, action);
    return notFound(['id']);
  }
}
