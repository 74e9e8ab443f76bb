// Payment rows as read by raw SQL, and the view the API and the service share.
import type { PaymentStatus } from '../entities/payment.entity.ts';

export interface PaymentView {
  id: string;
  orderId: string;
  customerId: string;
  status: PaymentStatus;
  amountMinor: number;
  currency: string;
  last4: string;
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface PaymentRow {
  id: string;
  order_id: string;
  customer_id: string;
  status: PaymentStatus;
  amount_minor: string | number;
  currency: string;
  last4: string;
  failure_reason: string | null;
  request_fingerprint: string;
  created_at: Date;
  updated_at: Date;
}

/** The columns of PaymentRow, for select and returning lists. */
export const PAYMENT_COLUMNS =
  'id, order_id, customer_id, status, amount_minor, currency, last4, failure_reason, request_fingerprint, created_at, updated_at';

export function toPaymentView(row: PaymentRow): PaymentView {
  return {
    id: row.id,
    orderId: row.order_id,
    customerId: row.customer_id,
    status: row.status,
    // bigint comes back as a string from pg; order totals are far below 2^53.
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    last4: row.last4,
    failureReason: row.failure_reason,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
