// Transactional outbox: events are rows written in the same transaction as the state change they
// describe; OutboxRelay publishes them after commit. A rolled-back transaction leaves no event.
// Call addToOutbox after the state change, at the end of the transaction (see the lock below).
import { Migration } from '@mikro-orm/migrations';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { MigrationDef } from '../db/create-orm.ts';
import type { EventEnvelope } from './envelope.ts';

export const OUTBOX_TABLE = 'messaging_outbox';

export class CreateOutboxTable extends Migration {
  override up(): void {
    // seq is the publication order; event_id unique so one event cannot be queued twice.
    this.addSql(`create table ${OUTBOX_TABLE} (
      seq bigint generated always as identity primary key,
      event_id text not null unique,
      topic text not null,
      aggregate_type text not null,
      aggregate_id text not null,
      event_type text not null,
      envelope jsonb not null,
      created_at timestamptz not null default now(),
      published_at timestamptz
    )`);
    this.addSql(`create index ${OUTBOX_TABLE}_pending on ${OUTBOX_TABLE} (seq) where published_at is null`);
    this.addSql(`create index ${OUTBOX_TABLE}_published on ${OUTBOX_TABLE} (published_at) where published_at is not null`);
  }
}

/** Add to a service's migration list (names sort before typical `M001_`/timestamp names: independent tables). */
export const outboxMigrations: MigrationDef[] = [{ name: 'Messaging001_outbox', class: CreateOutboxTable }];

/**
 * Queues `envelopes` for `topic` (e.g. `topicFor('orders')`) inside the caller's transaction:
 * `await em.transactional(async (tx) => { ...state change...; await addToOutbox(tx, topic, [env]); })`.
 *
 * It first takes a transaction-scoped advisory lock per aggregate, so two transactions writing
 * events of one aggregate get their sequence numbers in commit order: the relay, which publishes in
 * sequence order, then never publishes a later event of an aggregate before an earlier one.
 */
export async function addToOutbox(em: SqlEntityManager, topic: string, envelopes: readonly EventEnvelope[]): Promise<void> {
  if (envelopes.length === 0) return;
  if (!em.isInTransaction()) {
    throw new Error('addToOutbox must be called inside the transaction that changes the state (em.transactional)');
  }
  // Sorted, so transactions touching several aggregates cannot deadlock on these locks.
  // All in one round trip: the array's elements come in order, and each takes its lock in turn.
  const aggregates = [...new Set(envelopes.map((e) => `outbox:${e.aggregateType}:${e.aggregateId}`))].sort();
  await em.execute(
    'select count(pg_advisory_xact_lock(hashtextextended(k, 0))) as locked from jsonb_array_elements_text(?::jsonb) with ordinality as t (k, n)',
    [JSON.stringify(aggregates)],
  );
  await em.execute(outboxInsertFromJson('?', '?'), [topic, JSON.stringify(envelopes)], 'run');
  noteOutboxRows(em);
}

// Transactions (MikroORM's transaction contexts) that queued outbox rows: their commit wakes the relay of their
// ORM (OutboxRelay listens for commits). No NOTIFY: it serialises all notifying commits server-wide (measured -35 %
// write throughput).
const queuedRows = new WeakSet<object>();

/** Marks `em`'s transaction as one that queued outbox rows (addToOutbox does; so must a raw outboxInsertFromJson). */
export function noteOutboxRows(em: SqlEntityManager): void {
  const transaction = em.getTransactionContext();
  if (transaction) queuedRows.add(transaction);
}

/** Whether the transaction that just committed queued outbox rows. */
export function queuedOutboxRows(transaction: object | undefined): boolean {
  return transaction !== undefined && queuedRows.has(transaction);
}

/**
 * `insert … select` of outbox rows from one jsonb array of envelopes (bind JSON.stringify(envelopes) to
 * `envelopesParam`, the topic to `topicParam`), for a statement that also writes the state change: one round trip
 * instead of a transaction's steps. Inside a MikroORM transaction, call noteOutboxRows(tx) too; through a plain pg
 * client, relay.notify() after the commit. Without addToOutbox's per-aggregate lock, so only for events of aggregates no
 * other transaction can write events of meanwhile (ones this transaction creates, or holds the row lock of).
 * Placeholders are the caller's: `?` through MikroORM, `$n` through pg.
 */
export function outboxInsertFromJson(topicParam: string, envelopesParam: string): string {
  // In array order (seq is the publication order).
  return `insert into ${OUTBOX_TABLE} (event_id, topic, aggregate_type, aggregate_id, event_type, envelope)
    select e ->> 'id', ${topicParam}::text, e ->> 'aggregateType', e ->> 'aggregateId', e ->> 'type', e
      from jsonb_array_elements(${envelopesParam}::jsonb) with ordinality as t (e, n)
     order by n`;
}
