import type { MikroORM } from '@mikro-orm/postgresql';
import type { PostgreSqlConnection } from '@mikro-orm/postgresql';

// `pg` ships no types and @types/pg is not installed; these are the few members we use of the
// pool MikroORM already owns (so LISTEN and advisory locks share its configuration and limits).

export interface PgQueryResult<R = Record<string, unknown>> {
  rows: R[];
  rowCount: number | null;
}

export interface PgClient {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<PgQueryResult<R>>;
  release(err?: Error | boolean): void;
  on(event: 'notification', listener: (msg: { channel: string; payload?: string }) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  removeAllListeners(event?: string): this;
}

export interface PgPool {
  connect(): Promise<PgClient>;
  /** One statement on any pooled connection; with `name`, prepared once per connection (planned once). */
  query<R = Record<string, unknown>>(config: { name?: string; text: string; values?: unknown[] }): Promise<PgQueryResult<R>>;
}

/** The `pg` Pool behind an ORM's connection: for session-scoped work (advisory locks, LISTEN). */
export async function pgPoolOf(orm: MikroORM): Promise<PgPool> {
  const connection = orm.em.getConnection() as PostgreSqlConnection;
  return (await connection.getNativeClient()) as PgPool;
}
