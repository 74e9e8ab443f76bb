// Each service owns one database on a shared PostgreSQL server; URLs differ only in the path.

const DB_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Throws unless `dbName` is a plain lower-case identifier, so it can be quoted into DDL safely. */
export function assertDatabaseName(dbName: string): void {
  if (!DB_NAME.test(dbName)) {
    throw new Error(`invalid database name "${dbName}": use [a-z_][a-z0-9_]*, at most 63 characters`);
  }
}

/** `postgres://u@h:5432/anything?x=1` + `orders` → `postgres://u@h:5432/orders?x=1`. */
export function databaseUrlFor(serverUrl: string, dbName: string): string {
  assertDatabaseName(dbName);
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  return url.toString();
}

/** Password-free form of a URL for logs and error messages. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
