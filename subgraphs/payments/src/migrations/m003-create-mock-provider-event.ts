import { Migration } from '@limitedcart/common/db';

/**
 * mock_provider_event: what the mock payment provider still has to tell us (asynchronous settlements and refunds).
 * Written in the same transaction as the payment change that caused it, so a crash cannot lose a settlement; the
 * dispatcher claims due rows with a lease (next_attempt_at) and POSTs them, signed, to the webhook until one answers 200.
 */
export class M003CreateMockProviderEvent extends Migration {
  override up(): void {
    this.addSql(`
      create table mock_provider_event (
        id text primary key check (id like 'evt\\_%'),
        type text not null check (type in ('payment.succeeded', 'payment.failed', 'refund.succeeded')),
        payment_id text not null references payment (id),
        failure_reason text,
        deliver_at timestamptz not null,
        next_attempt_at timestamptz not null,
        attempts integer not null default 0,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz not null default now()
      )`);
    this.addSql('create index mock_provider_event_due_idx on mock_provider_event (next_attempt_at) where delivered_at is null');
    this.addSql('create index mock_provider_event_payment_idx on mock_provider_event (payment_id)');
  }
}
