// Publishes committed outbox rows to the bus in sequence order, then marks them published.
//
// Wake-up: every commit of a MikroORM transaction that queued outbox rows (addToOutbox, noteOutboxRows) wakes the
// relay of that ORM; a writer through a plain pg client calls `notify()` after its commit. A slow poll (default 1 s,
// one indexed query) is the safety net, a quick one (50 ms) follows a batch another relay held the lock for.
// (LISTEN/NOTIFY was measured and dropped: NOTIFY serialises every notifying commit on the server.)
// Several relays of one service may run: each batch is taken under a transaction-scoped advisory
// lock, so one relay publishes at a time and per-aggregate order holds; the others stand by.
// Delivery is at-least-once: a crash between publish and commit republishes (consumers use the inbox).
import type { MikroORM } from '@mikro-orm/postgresql';
import { pino, type Logger } from 'pino';
import { pgPoolOf, type PgPool } from '../db/pg-pool.ts';
import { sleep } from './delivery.ts';
import type { EventEnvelope } from './envelope.ts';
import type { MessageBus } from './message-bus.ts';
import { OUTBOX_TABLE, queuedOutboxRows } from './outbox.ts';

export interface OutboxRelayOptions {
  orm: MikroORM;
  bus: MessageBus;
  logger?: Logger;
  /** Rows per publish (default 200). */
  batchSize?: number;
  /** Idle poll interval (default 1 s): the worst-case delay of a commit nothing woke the relay for. */
  pollIntervalMs?: number;
  /**
   * How long a `notify()` waits before publishing (default 3 ms), so the commits of a busy moment go out as one
   * batch: one transaction and one produce request instead of one per commit.
   */
  lingerMs?: number;
  /** Backoff after a failed publish: from `initialBackoffMs` doubling up to `maxBackoffMs` (100 ms / 5 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Published rows older than this are deleted (default 1 h), checked every `pruneIntervalMs` (60 s). */
  retentionMs?: number;
  pruneIntervalMs?: number;
  /** How long stop() keeps publishing what is pending (default 10 s). */
  stopTimeoutMs?: number;
}

type BatchResult = 'empty' | 'partial' | 'full' | 'locked';

// One advisory-lock key for the relay; lock keys are per database, and each service has its own.
const RELAY_LOCK_KEY = '7263431750871046721';

/** After a batch another relay (a replica) held the lock for: look again soon, it may have missed a later commit. */
const LOCKED_RETRY_MS = 50;

interface OutboxRow {
  seq: string;
  topic: string;
  envelope: EventEnvelope;
}

export class OutboxRelay {
  readonly #orm: MikroORM;
  readonly #bus: MessageBus;
  readonly #logger: Logger;
  readonly #batchSize: number;
  readonly #pollIntervalMs: number;
  readonly #lingerMs: number;
  #linger: NodeJS.Timeout | undefined;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #retentionMs: number;
  readonly #pruneIntervalMs: number;
  readonly #stopTimeoutMs: number;
  #pool: PgPool | undefined;
  #running = false;
  #dirty = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #stopSignal = new AbortController();
  #lastPrune = 0;
  #exclusive: Promise<unknown> = Promise.resolve();
  #published = 0;
  #listening = false;

  constructor(options: OutboxRelayOptions) {
    this.#orm = options.orm;
    this.#bus = options.bus;
    this.#logger = options.logger ?? pino({ level: 'silent' });
    this.#batchSize = options.batchSize ?? 200;
    if (!Number.isSafeInteger(this.#batchSize) || this.#batchSize < 1) throw new TypeError('batchSize must be a positive integer');
    this.#pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.#lingerMs = options.lingerMs ?? 3;
    this.#initialBackoffMs = options.initialBackoffMs ?? 100;
    this.#maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.#retentionMs = options.retentionMs ?? 3_600_000;
    this.#pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  }

  /** Rows this relay has published since it was created (tests, metrics). */
  get publishedCount(): number {
    return this.#published;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#stopSignal = new AbortController();
    this.#pool = await pgPoolOf(this.#orm);
    if (!this.#listening) {
      this.#listening = true;
      this.#orm.em.getEventManager().registerSubscriber({
        afterTransactionCommit: (args) => {
          if (queuedOutboxRows(args.transaction)) this.notify();
        },
      });
    }
    this.#dirty = true; // rows left by a previous run
    this.#loop = this.#run();
  }

  /** Wakes the relay within `lingerMs` (e.g. right after a commit); cheap, callable any time. */
  notify(): void {
    this.#dirty = true;
    if (!this.#wake || this.#linger) return;
    this.#linger = setTimeout(() => {
      this.#linger = undefined;
      this.#wake?.();
    }, this.#lingerMs);
  }

  /** Publishes everything committed so far; resolves when the outbox is drained (or after `timeoutMs`). */
  async flush(timeoutMs = this.#stopTimeoutMs): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let result: BatchResult | 'failed';
      try {
        result = await this.#publishBatch();
      } catch (err) {
        this.#logger.warn({ err }, 'outbox flush: publish failed');
        result = 'failed';
      }
      if (result === 'empty' || result === 'partial') return true;
      if (Date.now() > deadline) return false;
      if (result !== 'full') await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Stops after publishing what is pending (bounded by `stopTimeoutMs`). */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#stopSignal.abort();
    clearTimeout(this.#linger);
    this.#linger = undefined;
    this.#wake?.();
    await this.#loop;
    const drained = await this.flush();
    if (!drained) this.#logger.warn('outbox relay stopped with events still pending; the next relay will publish them');
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (this.#running) {
      // Woken by a commit: rows are known to be there, so the probe is skipped.
      const notified = this.#dirty;
      this.#dirty = false;
      let result: BatchResult;
      try {
        result = await this.#publishBatch(notified);
        failures = 0;
        await this.#maybePrune();
      } catch (err) {
        failures++;
        const wait = Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** (failures - 1));
        this.#logger.error({ err, failures, retryInMs: wait }, 'outbox relay: publish failed, retrying');
        await sleep(wait, this.#stopSignal.signal);
        continue;
      }
      // A full batch may have left rows behind: look again at once. A partial one took everything committed until
      // then; what commits later notifies (or the poll finds it).
      if (result === 'full' || (this.#dirty && result !== 'locked')) continue;
      await this.#idle(result === 'locked' ? Math.min(LOCKED_RETRY_MS, this.#pollIntervalMs) : this.#pollIntervalMs);
    }
  }

  #idle(ms: number): Promise<void> {
    if (this.#dirty || !this.#running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }

  /** Batches from the loop, flush() and stop() never interleave within one relay. */
  #publishBatch(skipProbe = false): Promise<BatchResult> {
    const next = this.#exclusive.then(
      () => this.#publishBatchNow(skipProbe),
      () => this.#publishBatchNow(skipProbe),
    );
    this.#exclusive = next.catch(() => undefined);
    return next;
  }

  async #publishBatchNow(skipProbe: boolean): Promise<BatchResult> {
    const client = await (this.#pool ?? (await pgPoolOf(this.#orm))).connect();
    let inTransaction = false;
    // A connection that failed without a clean rollback is destroyed rather than returned to the pool.
    let broken: Error | undefined;
    try {
      // The idle path (the slow poll): one index probe, no transaction, no lock.
      if (!skipProbe) {
        const pending = await client.query(`select 1 from ${OUTBOX_TABLE} where published_at is null limit 1`);
        if (pending.rows.length === 0) return 'empty';
      }
      // One round trip: the transaction, its lock (a one-time filter: no rows unless this relay holds it) and the batch.
      // `for update`: the select's snapshot is taken before the lock, so rows another relay published and committed
      // in between still look pending in it; locking re-reads each row at its latest version, and those drop out
      // (without it, two relays published an event twice now and then).
      inTransaction = true;
      const [, batch] = (await client.query(
        `begin; select seq, topic, envelope from ${OUTBOX_TABLE}
          where pg_try_advisory_xact_lock(${RELAY_LOCK_KEY}) and published_at is null order by seq limit ${this.#batchSize} for update`,
      )) as unknown as [unknown, { rows: OutboxRow[] }];
      const rows = batch.rows;
      if (rows.length === 0) {
        await client.query('rollback');
        return 'locked'; // another relay holds the lock, or it just published what the probe saw
      }
      // One publish per topic, in seq order within it (per-key order is all Kafka keeps anyway).
      const byTopic = new Map<string, EventEnvelope[]>();
      for (const row of rows) {
        const list = byTopic.get(row.topic) ?? [];
        list.push(row.envelope);
        byTopic.set(row.topic, list);
      }
      for (const [topic, envelopes] of byTopic) await this.#bus.publish(topic, envelopes);
      // seq values are bigints read from the table, safe as literals: the update and the commit in one round trip.
      await client.query(`update ${OUTBOX_TABLE} set published_at = now() where seq = any('{${rows.map((r) => r.seq).join(',')}}'::bigint[]); commit`);
      this.#published += rows.length;
      return rows.length === 0 ? 'empty' : rows.length < this.#batchSize ? 'partial' : 'full';
    } catch (err) {
      broken = err as Error;
      if (inTransaction) {
        // Rolled back cleanly: the connection is fine, the rows stay pending for the retry.
        await client.query('rollback').then(
          () => (broken = undefined),
          () => undefined,
        );
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async #maybePrune(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastPrune < this.#pruneIntervalMs) return;
    this.#lastPrune = now;
    const client = await this.#pool!.connect();
    try {
      await client.query(
        `delete from ${OUTBOX_TABLE} where seq in (select seq from ${OUTBOX_TABLE}
           where published_at < now() - ($1 * interval '1 millisecond') limit 10000)`,
        [this.#retentionMs],
      );
    } finally {
      client.release();
    }
  }
}
