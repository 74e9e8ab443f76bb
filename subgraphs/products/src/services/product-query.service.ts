import { pageSize, type Connection } from '@limitedcart/common';
import type { MikroORM } from '@mikro-orm/postgresql';
import { countSql, cursorOf, listingQuery, pageSql, type ProductFilter, type ProductSort } from './product-listing.ts';
import { productFromRow } from './product.service.ts';
import type { ProductRecord } from './product-record.ts';

export interface ProductsArgs {
  first?: number | null;
  after?: string | null;
  filter?: ProductFilter | null;
  sortBy?: ProductSort | null;
}

/** totalCount is a function: GraphQL calls it only when the client asks for it, so other pages skip the count. */
export type ProductConnection = Omit<Connection<ProductRecord>, 'totalCount'> & { totalCount: () => Promise<number> };

/** The `products` listing: one keyset page query, plus a count with the same filter when totalCount is selected. */
export class ProductQueryService {
  readonly #orm: MikroORM;

  constructor(orm: MikroORM) {
    this.#orm = orm;
  }

  async list(args: ProductsArgs): Promise<ProductConnection> {
    const q = listingQuery({ first: pageSize(args.first), after: args.after, filter: args.filter, sortBy: args.sortBy });
    const hasPreviousPage = q.after !== null;
    if (q.impossible) {
      return { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage, startCursor: null, endCursor: null }, totalCount: async () => 0 };
    }
    const em = this.#orm.em.fork();
    const page = pageSql(q);
    const rows = await em.execute<Record<string, unknown>[]>(page.sql, page.params);
    const edges = rows.slice(0, q.first).map((row) => ({ cursor: cursorOf(q.sort, row.id as string, row.cursor_key ?? row.sort_key), node: productFromRow(row) }));
    let count: Promise<number> | undefined;
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > q.first,
        hasPreviousPage,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
      totalCount: () => {
        count ??= (async () => {
          const c = countSql(q);
          const [row] = await em.execute<{ n: number }[]>(c.sql, c.params);
          return row!.n;
        })();
        return count;
      },
    };
  }
}
