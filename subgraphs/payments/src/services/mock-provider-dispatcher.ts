// The mock provider's delivery side: polls mock_provider_event for due rows and POSTs each, signed, to the payments
// webhook until it answers 200. Several dispatchers (replicas) may run: a row is claimed with a lease (next_attempt_at
// pushed forward, FOR UPDATE SKIP LOCKED), so one delivers it at a time; a crash mid-delivery only delays it by the lease.
import type { Logger } from '@limitedcart/common';
import { sleep } from '@limitedcart/common/messaging/delivery';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { ProviderEvent, ProviderEventType } from './payment-provider.ts';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.ts';

export interface MockProviderDispatcherOptions {
  orm: MikroORM;
  logger: Logger;
  /** HMAC secret shared with the webhook (config.paymentWebhookSecret). */
  secret: string;
  /** Idle poll interval (default 100 ms). */
  pollIntervalMs?: number;
  /** Rows per claim (default 20). */
  batchSize?: number;
  /** How long a claimed row is left to its dispatcher before another may retry it (default 30 s). */
  leaseMs?: number;
  /** Retry backoff after a failed delivery: 200 ms doubling, at most this (default 10 s). */
  maxBackoffMs?: number;
  /** Per-request timeout (default 10 s). */
  requestTimeoutMs?: number;
}

interface ClaimedRow {
  id: string;
  type: ProviderEventType;
  payment_id: string;
  failure_reason: string | null;
  attempts: number;
}

export class MockProviderDispatcher {
  readonly #orm: MikroORM;
  readonly #logger: Logger;
  readonly #secret: string;
  readonly #pollMs: number;
  readonly #batchSize: number;
  readonly #leaseMs: number;
  readonly #maxBackoffMs: number;
  readonly #timeoutMs: number;
  #url: string | undefined;
  #loop: Promise<void> | undefined;
  #stop = new AbortController();
  #delivered = 0;

  constructor(options: MockProviderDispatcherOptions) {
    this.#orm = options.orm;
    this.#logger = options.logger;
    this.#secret = options.secret;
    this.#pollMs = options.pollIntervalMs ?? 100;
    this.#batchSize = options.batchSize ?? 20;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  /** Webhooks this dispatcher has delivered (answered 200) since it was created. */
  get delivered(): number {
    return this.#delivered;
  }

  /** Starts polling; deliveries go to `webhookUrl` (this service's own /webhooks/payments). */
  start(webhookUrl: string): void {
    if (this.#loop) return;
    this.#url = webhookUrl;
    this.#stop = new AbortController();
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    this.#loop = undefined;
  }

  /** Claims and delivers what is due now; returns how many rows it tried. */
  async deliverDue(): Promise<number> {
    const url = this.#url;
    if (!url) throw new Error('MockProviderDispatcher has no webhook URL (call start first)');
    const rows = await this.#orm.em.fork().execute<ClaimedRow[]>(
      `update mock_provider_event e
          set next_attempt_at = clock_timestamp() + (? * interval '1 millisecond'), attempts = e.attempts + 1
        where e.id in (
          select id from mock_provider_event
           where delivered_at is null and next_attempt_at <= clock_timestamp()
           order by next_attempt_at
           limit ?
           for update skip locked)
        returning e.id, e.type, e.payment_id, e.failure_reason, e.attempts`,
      [this.#leaseMs, this.#batchSize],
    );
    await Promise.all(rows.map((row) => this.#deliver(url, row)));
    return rows.length;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      let claimed = 0;
      try {
        claimed = await this.deliverDue();
      } catch (err) {
        if (signal.aborted) break;
        this.#logger.error({ err }, 'mock provider dispatcher poll failed');
      }
      if (claimed < this.#batchSize) await sleep(this.#pollMs, signal);
    }
  }

  async #deliver(url: string, row: ClaimedRow): Promise<void> {
    const event: ProviderEvent = {
      id: row.id,
      type: row.type,
      data: { paymentId: row.payment_id, ...(row.failure_reason ? { failureReason: row.failure_reason } : {}) },
    };
    const body = JSON.stringify(event);
    let error: string;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(this.#secret, body) },
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status === 200) {
        await this.#orm.em
          .fork()
          .execute('update mock_provider_event set delivered_at = clock_timestamp(), last_error = null where id = ?', [row.id], 'run');
        this.#delivered++;
        this.#logger.debug({ providerEventId: row.id, type: row.type, paymentId: row.payment_id }, 'provider webhook delivered');
        return;
      }
      error = `HTTP ${res.status}`;
    } catch (err) {
      error = (err as Error).message;
    }
    const backoff = Math.min(this.#maxBackoffMs, 200 * 2 ** Math.min(row.attempts - 1, 16));
    this.#logger.warn({ providerEventId: row.id, type: row.type, attempts: row.attempts, error, retryInMs: backoff }, 'provider webhook delivery failed; will retry');
    await this.#orm.em
      .fork()
      .execute(
        `update mock_provider_event set next_attempt_at = clock_timestamp() + (? * interval '1 millisecond'), last_error = ? where id = ? and delivered_at is null`,
        [backoff, error.slice(0, 500), row.id],
        'run',
      )
      .catch((err: unknown) => this.#logger.error({ err, providerEventId: row.id }, 'could not reschedule provider webhook'));
  }
}
