import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, describe, expect, it } from 'vitest';
import { createOrm, type MigrationDef } from './create-orm.ts';
import { dropDatabase, ensureDatabase } from './ensure-database.ts';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const suffix = randomUUID().slice(0, 8);
const created: string[] = [];
const dbName = (label: string): string => {
  const name = `t_db_${label}_${suffix}`;
  created.push(name);
  return name;
};

const Widget = defineEntity({
  name: 'Widget',
  tableName: 'widget',
  properties: {
    id: p.uuid().primary(),
    name: p.string(),
  },
});

class M001CreateWidget extends Migration {
  override up(): void {
    this.addSql('create table widget (id uuid primary key, name text not null)');
  }
}
// Not idempotent on purpose: running it twice would fail on the duplicate row.
class M002SeedWidget extends Migration {
  override up(): void {
    this.addSql(`insert into widget (id, name) values ('00000000-0000-0000-0000-000000000001', 'first')`);
  }
}
// Listed out of order: createOrm must sort by name.
const migrations: MigrationDef[] = [
  { name: 'M002_seed_widget', class: M002SeedWidget },
  { name: 'M001_create_widget', class: M001CreateWidget },
];

async function databaseExists(name: string): Promise<boolean> {
  // A plain connection: createOrm on the maintenance db would create a migrations table there.
  const orm = await MikroORM.init({ clientUrl: SERVER, entities: [], discovery: { warnWhenNoEntities: false } });
  try {
    const rows = await orm.em.getConnection().execute('select 1 from pg_database where datname = ?', [name]);
    return rows.length === 1;
  } finally {
    await orm.close(true);
  }
}

const applied = async (orm: MikroORM): Promise<string[]> =>
  (await orm.em.getConnection().execute<{ name: string }[]>('select name from mikro_orm_migrations order by id')).map(
    (r) => r.name,
  );

afterAll(async () => {
  for (const name of created) await dropDatabase(SERVER, name);
});

describe('createOrm', () => {
  it('creates the database when missing and applies migrations in name order', async () => {
    const name = dbName('create');
    expect(await databaseExists(name)).toBe(false);
    const orm = await createOrm({ serverUrl: SERVER, dbName: name, entities: [Widget], migrations });
    try {
      expect(await databaseExists(name)).toBe(true);
      expect(await applied(orm)).toEqual(['M001_create_widget', 'M002_seed_widget']);
      const em = orm.em.fork();
      const widgets = await em.find(Widget, {});
      expect(widgets.map((w) => w.name)).toEqual(['first']);
    } finally {
      await orm.close(true);
    }
  });

  it('a second createOrm is a no-op for migrations already applied', async () => {
    const name = dbName('again');
    const first = await createOrm({ serverUrl: SERVER, dbName: name, entities: [Widget], migrations });
    await first.close(true);
    const second = await createOrm({ serverUrl: SERVER, dbName: name, entities: [Widget], migrations });
    try {
      expect(await applied(second)).toEqual(['M001_create_widget', 'M002_seed_widget']);
      const rows = await second.em.getConnection().execute<{ n: string }[]>('select count(*)::int as n from widget');
      expect(Number(rows[0]!.n)).toBe(1);
    } finally {
      await second.close(true);
    }
  });

  it('concurrent createOrm of the same new database both succeed and migrate once', async () => {
    const name = dbName('race');
    const orms = await Promise.all(
      Array.from({ length: 4 }, () => createOrm({ serverUrl: SERVER, dbName: name, entities: [Widget], migrations })),
    );
    try {
      expect(await applied(orms[0]!)).toEqual(['M001_create_widget', 'M002_seed_widget']);
      const rows = await orms[1]!.em.getConnection().execute<{ n: number }[]>('select count(*)::int as n from widget');
      expect(rows[0]!.n).toBe(1);
    } finally {
      await Promise.all(orms.map((o) => o.close(true)));
    }
  });

  it('concurrent ensureDatabase calls all resolve', async () => {
    const name = dbName('ensure');
    await Promise.all(Array.from({ length: 6 }, () => ensureDatabase(SERVER, name)));
    expect(await databaseExists(name)).toBe(true);
  });

  it('a failing migration rolls back and nothing is recorded', async () => {
    const name = dbName('fail');
    class Broken extends Migration {
      override up(): void {
        this.addSql('create table half (id int)');
        this.addSql('select * from no_such_table');
      }
    }
    await expect(
      createOrm({ serverUrl: SERVER, dbName: name, entities: [], migrations: [{ name: 'M001_broken', class: Broken }] }),
    ).rejects.toThrow(/no_such_table/);
    const orm = await createOrm({ serverUrl: SERVER, dbName: name, entities: [], migrations: [] });
    try {
      expect(await applied(orm)).toEqual([]);
      const tables = await orm.em.getConnection().execute(`select 1 from pg_tables where tablename = 'half'`);
      expect(tables).toHaveLength(0);
    } finally {
      await orm.close(true);
    }
  });
});
