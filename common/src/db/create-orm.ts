import type { EntityClass, EntitySchema } from '@mikro-orm/core';
import { Migrator, type Migration } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { databaseUrlFor } from './database-url.ts';
import { ensureDatabase } from './ensure-database.ts';
import { PinoOrmLogger } from './orm-logger.ts';
import { pgPoolOf } from './pg-pool.ts';

/** A hand-written migration: a class extending MikroORM's `Migration` whose `up()` calls `this.addSql(...)`. */
export type MigrationClass = new (...args: ConstructorParameters<typeof Migration>) => Migration;

/** One entry of a service's migration list. `name` is what MikroORM records; it fixes the order. */
export interface MigrationDef {
  name: string;
  class: MigrationClass;
}

export type EntityDef = EntitySchema | EntityClass<object>;

export interface CreateOrmOptions {
  /** Any URL of the PostgreSQL server; its path (database) is replaced by `dbName`. */
  serverUrl: string;
  dbName: string;
  entities: readonly EntityDef[];
  migrations: readonly MigrationDef[];
  logger?: Logger;
  /** Pool size (default 10). At least 2: the migration lock holds one connection while migrating. */
  poolMax?: number;
  /** Log every SQL statement (at pino debug level), without parameters. */
  debug?: boolean;
}

/** Sorted by name, rejecting duplicates: MikroORM runs `migrationsList` in the order given. */
export function orderMigrations(migrations: readonly MigrationDef[]): MigrationDef[] {
  const sorted = [...migrations].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.name === sorted[i - 1]!.name) throw new Error(`duplicate migration name ${sorted[i]!.name}`);
  }
  return sorted;
}

/** Stable 64-bit advisory-lock key per database (FNV-1a), as a decimal string for pg's bigint. */
function migrationLockKey(dbName: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(`limitedcart:migrate:${dbName}`)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return BigInt.asIntN(64, h).toString();
}

/**
 * Creates the service database if missing, connects MikroORM to it with the given entities, and
 * applies pending migrations. Never syncs the schema from entity metadata.
 */
export async function createOrm(opts: CreateOrmOptions): Promise<MikroORM> {
  await ensureDatabase(opts.serverUrl, opts.dbName);
  const orm = await MikroORM.init({
    clientUrl: databaseUrlFor(opts.serverUrl, opts.dbName),
    entities: [...opts.entities],
    discovery: { warnWhenNoEntities: false },
    ensureDatabase: false, // done above, race-safe
    extensions: [Migrator],
    pool: { min: 0, max: Math.max(2, opts.poolMax ?? 10) },
    debug: opts.debug ?? false,
    ...(opts.logger ? { loggerFactory: () => new PinoOrmLogger(opts.logger!, opts.debug ?? false) } : {}),
    migrations: {
      migrationsList: orderMigrations(opts.migrations),
      transactional: true,
      allOrNothing: true,
      // No files at runtime: snapshots would be written next to the (absent) migrations folder.
      snapshot: false,
      silent: !opts.logger,
    },
  });
  try {
    await migrate(orm, opts.dbName);
  } catch (err) {
    await orm.close(true);
    throw err;
  }
  return orm;
}

/**
 * Runs pending migrations while holding a session advisory lock on a dedicated connection, so a
 * second process of the same service waits and then finds nothing pending. The lock covers the
 * migrator's own setup too (it creates its bookkeeping table outside the migration transaction).
 */
async function migrate(orm: MikroORM, dbName: string): Promise<void> {
  const lockClient = await (await pgPoolOf(orm)).connect();
  const key = migrationLockKey(dbName);
  try {
    await lockClient.query('select pg_advisory_lock($1::bigint)', [key]);
    try {
      await orm.migrator.up();
    } finally {
      await lockClient.query('select pg_advisory_unlock($1::bigint)', [key]);
    }
  } finally {
    lockClient.release();
  }
}
