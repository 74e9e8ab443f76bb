// The payment provider as payments sees it. One implementation exists (mock-payment-provider.ts); a real one would
// call the provider's API with the payment id as its idempotency key and receive the same webhooks.
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { ParsedCard } from './card.ts';

export interface ChargeRequest {
  paymentId: string;
  orderId: string;
  amountMinor: number;
  currency: string;
  /** Only for the provider call; never stored or logged. */
  card: ParsedCard;
}

/** The provider's synchronous answer; PENDING settles later through a `payment.succeeded` / `payment.failed` webhook. */
export type ChargeDecision = { status: 'SUCCEEDED' } | { status: 'FAILED'; reason: string } | { status: 'PENDING' };

export interface RefundRequest {
  paymentId: string;
  orderId: string;
  amountMinor: number;
  currency: string;
}

export interface PaymentProvider {
  /**
   * Charges a card. Called inside the transaction that records the payment attempt (`tx`), so whatever the provider
   * must still deliver later is recorded durably with it.
   */
  charge(tx: SqlEntityManager, request: ChargeRequest): Promise<ChargeDecision>;
  /** Asks for a full refund; it settles through a `refund.succeeded` webhook. Called inside the refund's transaction. */
  refund(tx: SqlEntityManager, request: RefundRequest): Promise<void>;
}

/** The webhook event types the provider sends. */
export const PROVIDER_EVENT_TYPES = ['payment.succeeded', 'payment.failed', 'refund.succeeded'] as const;
export type ProviderEventType = (typeof PROVIDER_EVENT_TYPES)[number];

/** A provider webhook body: `{ id, type, data: { paymentId, failureReason? } }`. */
export interface ProviderEvent {
  id: string;
  type: ProviderEventType;
  data: { paymentId: string; failureReason?: string };
}
