import { MikroORM } from '@mikro-orm/postgresql';
import { assertDatabaseName, databaseUrlFor } from './database-url.ts';

// SQLSTATEs a racing CREATE DATABASE can end with when another process won: the name exists
// (42P04), or the catalog's unique index caught the race first (23505).
const ALREADY_EXISTS = new Set(['42P04', '23505']);
// Another session is connected to template1, which CREATE DATABASE copies: transient, retry.
const TEMPLATE_BUSY = '55006';

function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A tiny ORM on the server's maintenance db: reuses the pg driver MikroORM brings, costs ~20 ms. */
function maintenanceOrm(serverUrl: string): Promise<MikroORM> {
  return MikroORM.init({
    clientUrl: databaseUrlFor(serverUrl, 'postgres'),
    entities: [],
    discovery: { warnWhenNoEntities: false },
    ensureDatabase: false,
    pool: { min: 0, max: 1 },
  });
}

/** Creates database `dbName` on the server of `serverUrl` unless it exists; safe under concurrency. */
export async function ensureDatabase(serverUrl: string, dbName: string): Promise<void> {
  assertDatabaseName(dbName);
  const admin = await maintenanceOrm(serverUrl);
  try {
    const conn = admin.em.getConnection();
    for (let attempt = 1; ; attempt++) {
      const found = await conn.execute('select 1 from pg_database where datname = ?', [dbName]);
      if (found.length > 0) return;
      try {
        await conn.execute(`create database "${dbName}"`);
        return;
      } catch (err) {
        const state = sqlState(err);
        if (state && ALREADY_EXISTS.has(state)) return;
        if (state === TEMPLATE_BUSY && attempt < 10) {
          await new Promise((r) => setTimeout(r, 50 * attempt));
          continue;
        }
        throw err;
      }
    }
  } finally {
    await admin.close(true);
  }
}

/** Drops `dbName` (terminating its sessions). For tests and tooling; services never call this. */
export async function dropDatabase(serverUrl: string, dbName: string): Promise<void> {
  assertDatabaseName(dbName);
  const admin = await maintenanceOrm(serverUrl);
  try {
    await admin.em.getConnection().execute(`drop database if exists "${dbName}" with (force)`);
  } finally {
    await admin.close(true);
  }
}
