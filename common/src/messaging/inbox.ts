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

/** Deletes inbox rows older than `olderThanMs` (keep them longer than the topics' retention). */
export async function pruneInbox(em: SqlEntityManager, olderThanMs: number): Promise<number> {
  const res = await em.execute<{ affectedRows: number }>(
    `delete from ${INBOX_TABLE} where processed_at < now() - (? * interval '1 millisecond')`,
    [olderThanMs],
    'run',
  );
  return res.affectedRows;
}
