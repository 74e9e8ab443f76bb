export { createOrm, orderMigrations } from './create-orm.ts';
export type { CreateOrmOptions, EntityDef, MigrationClass, MigrationDef } from './create-orm.ts';
export { assertDatabaseName, databaseUrlFor, redactUrl } from './database-url.ts';
export { dropDatabase, ensureDatabase } from './ensure-database.ts';
export { PinoOrmLogger } from './orm-logger.ts';
export { pgPoolOf } from './pg-pool.ts';
export type { PgClient, PgPool, PgQueryResult } from './pg-pool.ts';
export { Migration } from '@mikro-orm/migrations';
