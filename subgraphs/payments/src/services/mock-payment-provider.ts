// The mock provider: decides by card number (the contract's test cards) and delivers its asynchronous outcomes as
// signed webhooks. Deliveries are rows of mock_provider_event written in the caller's transaction (so they survive a
// crash); MockProviderDispatcher sends them.
import { randomUUID } from 'node:crypto';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { ChargeDecision, ChargeRequest, PaymentProvider, ProviderEventType, RefundRequest } from './payment-provider.ts';

/** The contract's test cards (digits only). Any other valid card succeeds. */
export const TEST_CARDS = {
  succeeds: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  asyncSucceeds: '4000000000003220',
} as const;

/** The mock's decision for a card number (digits only). */
export function decideCharge(cardNumber: string): ChargeDecision {
  switch (cardNumber) {
    case TEST_CARDS.declined:
      return { status: 'FAILED', reason: 'card_declined' };
    case TEST_CARDS.insufficientFunds:
      return { status: 'FAILED', reason: 'insufficient_funds' };
    case TEST_CARDS.asyncSucceeds:
      return { status: 'PENDING' };
    default:
      return { status: 'SUCCEEDED' };
  }
}

export interface MockPaymentProviderOptions {
  /** How long the provider takes to settle an asynchronous payment or a refund (config.paymentProviderDelayMs). */
  delayMs: number;
}

export class MockPaymentProvider implements PaymentProvider {
  readonly #delayMs: number;

  constructor(options: MockPaymentProviderOptions) {
    this.#delayMs = options.delayMs;
  }

  async charge(tx: SqlEntityManager, request: ChargeRequest): Promise<ChargeDecision> {
    const decision = decideCharge(request.card.number);
    if (decision.status === 'PENDING') await this.#schedule(tx, 'payment.succeeded', request.paymentId);
    return decision;
  }

  async refund(tx: SqlEntityManager, request: RefundRequest): Promise<void> {
    await this.#schedule(tx, 'refund.succeeded', request.paymentId);
  }

  async #schedule(tx: SqlEntityManager, type: ProviderEventType, paymentId: string, failureReason: string | null = null): Promise<void> {
    await tx.execute(
      `insert into mock_provider_event (id, type, payment_id, failure_reason, deliver_at, next_attempt_at)
       values (?, ?, ?, ?, clock_timestamp() + (? * interval '1 millisecond'), clock_timestamp() + (? * interval '1 millisecond'))`,
      [`evt_${randomUUID()}`, type, paymentId, failureReason, this.#delayMs, this.#delayMs],
      'run',
    );
  }
}
