import type { OrderStatus } from './order-status.ts';

/** An order row as services and resolvers see it (lines and history load separately, batched). */
export interface OrderRecord {
  id: string;
  customerId: string;
  status: OrderStatus;
  totalMinor: number;
  currency: string;
  failureReason: string | null;
  paymentDueAt: Date | null;
  refundRequestedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  total_minor: string | number;
  currency: string;
  failure_reason: string | null;
  payment_due_at: Date | null;
  refund_requested_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** The columns every OrderRow query selects. */
export const ORDER_COLUMNS =
  'id, customer_id, status, total_minor, currency, failure_reason, payment_due_at, refund_requested_at, version, created_at, updated_at';

export function toOrderRecord(row: OrderRow): OrderRecord {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    totalMinor: Number(row.total_minor),
    currency: row.currency,
    failureReason: row.failure_reason,
    paymentDueAt: row.payment_due_at ? new Date(row.payment_due_at) : null,
    refundRequestedAt: row.refund_requested_at ? new Date(row.refund_requested_at) : null,
    version: row.version,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Order ids are UUIDs: anything else cannot name an order (and must not reach a uuid column). */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
