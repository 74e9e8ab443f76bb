// Idempotent consumers: the id of each processed event is recorded in the same transaction as the
// handler's effect, so a redelivered (or concurrently duplicated) event changes nothing.
import { Migration } from '@mikro-orm/migrations';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { MigrationDef } from '../db/create-orm.ts';

export const INBOX_TABLE = 'messaging_inbox';

export class CreateInboxTable extends Migration {
  override up(): void {
    // event_id is text: webhook provider ids go through the same mechanism as envelope uuids.
    this.addSql(`create table ${INBOX_TABLE} (
      consumer text not null,
      event_id text not null,
      processed_at timestamptz not null default now(),
      primary key (consumer, event_id)
    )`);
    this.addSql(`create index ${INBOX_TABLE}_processed_at on ${INBOX_TABLE} (processed_at)`);
  }
}

export const inboxMigrations: MigrationDef[] = [{ name: 'Messaging002_inbox', class: CreateInboxTable }];

export type HandleOnceResult<T> = { duplicate: false; result: T } | { duplicate: true };

/**
 * Runs `fn(tx)` in a transaction (nested in `em`'s if it has one) unless `consumer` already
 * processed `eventId`. The inbox insert comes first: a concurrent duplicate blocks on the primary key
 * until this transaction ends, then finds the row (skips) or, after a rollback, runs itself.
 * Entities changed through `tx` are flushed in the same transaction.
 */
export async function handleOnce<T>(
  em: SqlEntityManager,
  consumer: string,
  eventId: string,
  fn: (tx: SqlEntityManager) => Promise<T>,
): Promise<HandleOnceResult<T>> {
  return em.transactional(async (tx) => {
    const inserted = await tx.execute<{ affectedRows: number }>(
      `insert into ${INBOX_TABLE} (consumer, event_id) values (?, ?) on conflict do nothing`,
      [consumer, eventId],
      'run',
    );
    if (inserted.affectedRows === 0) return { duplicate: true } as const;
    return { duplicate: false, result: await fn(tx) } as const;
  });
}

/**
 * Claims `eventIds` for `consumer` inside the caller's transaction in one statement, and returns the ones not
 * processed before. Rows are written in id order, so concurrent claims that share events wait instead of deadlocking.
 */
export async function claimEvents(tx: SqlEntityManager, consumer: string, eventIds: readonly string[]): Promise<Set<string>> {
  const fresh = await tx.execute<{ event_id: string }[]>(
    `insert into ${INBOX_TABLE} (consumer, event_id) select distinct ?, id from jsonb_array_elements_text(?::jsonb) as t (id) order by 2
     on conflict do nothing returning event_id`,
    [consumer, JSON.stringify(eventIds)],
  );
  return new Set(fresh.map((r) => r.event_id));
}

/** Work around a batch's steps, inside its transaction (e.g. lock all the rows first, write them all at the end). */
export interface BatchSteps<E> {
  /** Before the first step, with the events that will run (not processed before). */
  before?(tx: SqlEntityManager, fresh: readonly E[]): Promise<void>;
  /** After the last step, before the commit. */
  after?(tx: SqlEntityManager): Promise<void>;
}

/**
 * handleOnce for a batch of events: one transaction and one inbox statement, then `fn` for each event not processed
 * before (nor earlier in the batch), in order, without a savepoint each. If anything throws, the whole batch rolls
 * back (the bus then hands the events over one by one).
 */
export async function handleEachOnce<E extends { id: string }, T>(
  em: SqlEntityManager,
  consumer: string,
  events: readonly E[],
  fn: (tx: SqlEntityManager, event: E) => Promise<T>,
  steps: BatchSteps<E> = {},
): Promise<HandleOnceResult<T>[]> {
  if (events.length === 0) return []; // a batch of nothing this consumer acts on: no transaction
  return em.transactional(async (tx) => {
    const claimed = await claimEvents(tx, consumer, events.map((e) => e.id));
    const fresh = events.filter((e) => claimed.delete(e.id)); // a repeat within the batch is a duplicate too
    const running = new Set(fresh);
    await steps.before?.(tx, fresh);
    const results: HandleOnceResult<T>[] = [];
    for (const event of events) {
      results.push(running.has(event) ? { duplicate: false, result: await fn(tx, event) } : { duplicate: true });
    }
    await steps.after?.(tx);
    return results;
  });
}

/** Deletes inbox rows older than `olderThanMs` (keep them longer than the topics' retention). */
export async function pruneInbox(em: SqlEntityManager, olderThanMs: number): Promise<number> {
  const res = await em.execute<{ affectedRows: number }>(
    `delete from ${INBOX_TABLE} where processed_at < now() - (? * interval '1 millisecond')`,
    [olderThanMs],
    'run',
  );
  return res.affectedRows;
}
