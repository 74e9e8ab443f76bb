import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { RequestContext } from '@limitedcart/common';
import type { CategoryRecord, CategoryService } from '../services/category.service.ts';
import type { CreateCategoryInput, CreateProductInput, UpdateProductInput } from '../services/product-input.ts';
import type { ProductQueryService, ProductsArgs } from '../services/product-query.service.ts';
import { priceOf, type ProductRecord } from '../services/product-record.ts';
import type { ProductService } from '../services/product.service.ts';
import { DateTimeScalar, perRequestLoader } from '@limitedcart/common';

export interface ProductsResolverDeps {
  products: ProductService;
  queries: ProductQueryService;
  categories: CategoryService;
}

/** Thin resolvers: arguments in, service calls out; entity references and categories go through per-request loaders. */
export function productsResolvers(deps: ProductsResolverDeps): GraphQLResolverMap<RequestContext> {
  const productLoader = perRequestLoader((ids) => deps.products.findByIds(ids));
  const categoryLoader = perRequestLoader((ids) => deps.categories.findByIds(ids));
  return {
    DateTime: DateTimeScalar,
    Query: {
      products: (_: unknown, args: ProductsArgs) => deps.queries.list(args),
      product: (_: unknown, args: { id: string }, ctx: RequestContext) => productLoader(ctx).load(args.id),
      categories: () => deps.categories.list(),
    },
    Mutation: {
      createCategory: (_: unknown, args: { input: CreateCategoryInput }, ctx: RequestContext) => deps.categories.create(ctx, args.input),
      createProduct: (_: unknown, args: { input: CreateProductInput }, ctx: RequestContext) => deps.products.create(ctx, args.input),
      updateProduct: (_: unknown, args: { input: UpdateProductInput }, ctx: RequestContext) => deps.products.update(ctx, args.input),
    },
    Product: {
      __resolveReference: (ref: { id: string }, ctx: RequestContext) => productLoader(ctx).load(ref.id),
      price: (p: ProductRecord) => priceOf(p),
      category: (p: ProductRecord, _: unknown, ctx: RequestContext): Promise<CategoryRecord | null> | null =>
        p.categoryId ? categoryLoader(ctx).load(p.categoryId) : null,
    },
    Category: {
      __resolveReference: (ref: { id: string }, ctx: RequestContext) => categoryLoader(ctx).load(ref.id),
    },
  } as GraphQLResolverMap<RequestContext>;
}
