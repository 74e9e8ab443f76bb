import { createLogger } from '@limitedcart/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProductSort } from '../src/services/product-listing.ts';
import { adminCtx, startTestProducts, type TestProducts } from './products-harness.ts';

const quiet = createLogger('products-test', 'silent');
const WORDS = ['red', 'blue', 'green', 'sneaker', 'jacket', 'hoodie', 'canvas', 'leather', 'limited', 'classic'];
let t: TestProducts;

interface Row {
  id: string;
  name: string;
  price_minor: number;
  created_at: string;
  active: boolean;
}

/** Pages of 100 through the service until the end, returning the ids in order. */
async function walk(sortBy: ProductSort, filter: object = {}, onPage?: () => Promise<void>): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const page = await t.running.queries.list({ first: 100, after, sortBy, filter });
    ids.push(...page.edges.map((e) => e.node.id));
    await onPage?.();
    if (!page.pageInfo.hasNextPage) return ids;
    after = page.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

const expectedOrder: Record<Exclude<ProductSort, 'RELEVANCE'>, (a: Row, b: Row) => number> = {
  NEWEST: (a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || (a.id < b.id ? 1 : -1),
  PRICE_ASC: (a, b) => a.price_minor - b.price_minor || (a.id < b.id ? -1 : 1),
  PRICE_DESC: (a, b) => b.price_minor - a.price_minor || (a.id < b.id ? 1 : -1),
  NAME_ASC: () => 0, // checked against PostgreSQL's own collation below
};

beforeAll(async () => {
  t = await startTestProducts('listing');
  const em = t.running.orm.em.fork();
  // 1,000 products: names/descriptions from a small vocabulary (search has matches), many equal prices and
  // timestamps (ties exercise the id tiebreaker), every 10th archived.
  await em.execute(
    `insert into product (id, name, description, price_minor, currency, active, created_at, updated_at)
     select gen_random_uuid(),
            (array[${WORDS.map((w) => `'${w}'`).join(',')}])[1 + i % 10] || ' ' || (array['Sneaker','Jacket','Cap','Bag'])[1 + i % 4] || ' ' || i,
            'A ' || (array[${WORDS.map((w) => `'${w}'`).join(',')}])[1 + (i / 10) % 10] || ' item' || case when i % 97 = 0 then ' rare' else '' end,
            100 + (i * 37) % 500, 'USD', i % 10 <> 0,
            timestamptz '2025-01-01' + ((i / 3) || ' seconds')::interval, now()
     from generate_series(1, 1000) as i`,
  );
  await em.execute('analyze product');
});

afterAll(async () => {
  await t?.stop();
});

describe('products listing', () => {
  it('pages of 100 cover every active product exactly once in each sort, while products are being added', async () => {
    const em = t.running.orm.em.fork();
    const seeded = await em.execute<Row[]>(`select id, name, price_minor, to_json(created_at) #>> '{}' as created_at, active from product where active`);
    expect(seeded).toHaveLength(900);
    let added = 0;
    const addSome = async () => {
      // Concurrent writers: new products land before, inside and after the walked range.
      await Promise.all(
        [0, 1, 2].map(() => t.running.products.create(adminCtx(quiet), { name: `blue Added ${added++}`, price: (1 + (added % 9)).toFixed(2) })),
      );
    };
    for (const sort of ['NEWEST', 'PRICE_ASC', 'PRICE_DESC', 'NAME_ASC'] as const) {
      const ids = await walk(sort, {}, addSome);
      expect(new Set(ids).size).toBe(ids.length); // no repeats
      const seen = new Set(ids);
      expect(seeded.filter((r) => !seen.has(r.id))).toEqual([]); // no gaps
      const seededIds = new Set(seeded.map((r) => r.id));
      const inOrder = ids.filter((id) => seededIds.has(id));
      if (sort !== 'NAME_ASC') {
        const byId = new Map(seeded.map((r) => [r.id, r]));
        expect(inOrder).toEqual([...seeded].sort(expectedOrder[sort]).map((r) => r.id).filter((id) => byId.has(id)));
      } else {
        const ordered = await em.execute<{ id: string }[]>('select id from product where active and id in (?) order by lower(name), id', [inOrder]);
        expect(inOrder).toEqual(ordered.map((r) => r.id));
      }
    }
    expect(added).toBeGreaterThan(0);
  });

  it('filters by price range and category, and totalCount counts the whole filtered list', async () => {
    const page = await t.running.queries.list({ first: 10, filter: { minPrice: '2.00', maxPrice: '3.00' }, sortBy: 'PRICE_ASC' });
    const em = t.running.orm.em.fork();
    const [expected] = await em.execute<{ n: number }[]>('select count(*)::int as n from product where active and price_minor between 200 and 300');
    expect(await page.totalCount()).toBe(expected!.n);
    expect(page.edges.every((e) => e.node.priceMinor >= 200 && e.node.priceMinor <= 300)).toBe(true);
    const none = await t.running.queries.list({ first: 10, filter: { categoryId: '00000000-0000-4000-8000-000000000000' } });
    expect(none.edges).toEqual([]);
    expect(await none.totalCount()).toBe(0);
  });

  it('search matches words in name and description with a prefix on the last word, ranked and paged stably', async () => {
    const em = t.running.orm.em.fork();
    const expected = await em.execute<{ id: string }[]>(
      `select id from product where active and (name ilike '%leather%' or description ilike '%leather%') and (name ~* '\\msnea' or description ~* '\\msnea')`,
    );
    expect(expected.length).toBeGreaterThan(0);
    const ids = await walk('RELEVANCE', { search: 'Leather snea' });
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(expected.map((r) => r.id).sort());
    expect(await (await t.running.queries.list({ first: 5, sortBy: 'RELEVANCE', filter: { search: 'Leather snea' } })).totalCount()).toBe(expected.length);
    // Name matches (weight A) rank above description-only matches.
    const inName: boolean[] = [];
    let after: string | null = null;
    do {
      const page = await t.running.queries.list({ first: 100, after, sortBy: 'RELEVANCE', filter: { search: 'classic' } });
      inName.push(...page.edges.map((e) => e.node.name.toLowerCase().includes('classic')));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(inName[0]).toBe(true);
    expect(inName.indexOf(false)).toBeGreaterThan(inName.lastIndexOf(true));
  });

  it('uses indexes, never a sequential scan of product, for listing, filters and search (EXPLAIN after ANALYZE)', async () => {
    const em = t.running.orm.em.fork();
    // VACUUM also moves rows from the GIN pending list (fastupdate) into the index proper, as autovacuum would.
    await em.getConnection().execute('vacuum analyze product');
    const { pageSql, listingQuery, cursorOf } = await import('../src/services/product-listing.ts');
    const cases = [
      listingQuery({ first: 20 }),
      listingQuery({ first: 20, after: cursorOf('NEWEST', '00000000-0000-4000-8000-000000000000', new Date('2025-01-01T00:02:00Z')) }),
      listingQuery({ first: 20, sortBy: 'PRICE_ASC' }),
      listingQuery({ first: 20, sortBy: 'PRICE_DESC', filter: { maxPrice: '2.50' } }),
      listingQuery({ first: 20, sortBy: 'NAME_ASC' }),
      listingQuery({ first: 20, filter: { categoryId: '00000000-0000-4000-8000-000000000000' } }),
      listingQuery({ first: 20, sortBy: 'RELEVANCE', filter: { search: 'rare' } }),
      listingQuery({ first: 20, filter: { search: 'leather snea' } }),
    ];
    for (const q of cases) {
      const { sql, params } = pageSql(q);
      // Search only: 1,000 rows fill ~45 pages, and for an unordered-by-index match the planner rightly finds one
      // sequential read of 45 pages cheaper than GIN + heap fetches. enable_seqscan = off (in this transaction only)
      // proves the GIN index matches the query's expression, which is what the planner picks once the table is large.
      // Listing queries need no such help: the LIMIT + ORDER BY make their btree indexes the cheapest plan already.
      const plan = await em.transactional(async (tx) => {
        if (q.tsquery) await tx.execute('set local enable_seqscan = off');
        return (await tx.execute<{ 'QUERY PLAN': string }[]>(`explain ${sql}`, params)).map((r) => r['QUERY PLAN']).join('\n');
      });
      expect(plan, plan).not.toMatch(/Seq Scan on product/);
      expect(plan, plan).toMatch(/Index Scan|Index Only Scan|Bitmap Index Scan/);
      // RELEVANCE cannot take its order from an index, so its matches must come from GIN; a search in another sort
      // may instead walk that sort's btree and filter (the planner's choice for a common word and a small LIMIT).
      if (q.sort === 'RELEVANCE') expect(plan, plan).toMatch(/product_search_idx/);
    }
  });
});
