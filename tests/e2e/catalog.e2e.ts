// Catalog through the gateway: the contract's catalog operations with good and bad inputs, auth rules, listing
// arguments and entity resolution. Inventory's own part (stock, restock) is in inventory.e2e.ts.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, graphql, operation, registerCustomer } from './harness.ts';

interface UserErrorShape {
  code: string;
  field: string[] | null;
  message: string;
}
interface ProductOut {
  id: string;
  name: string;
  description?: string;
  price: { amount: string; currencyCode: string };
  maxPerCustomer: number | null;
  active: boolean;
}
type Payload<K extends string, T> = { [P in K]: T | null } & { userErrors: UserErrorShape[] };

const PRODUCTS = operation('Products');
const PRODUCT = operation('Product');

let admin: string;
let customer: string;
let categoryId: string;
const tag = randomUUID().slice(0, 8);

async function createProduct(input: object, token = admin) {
  const res = await graphql<{ createProduct: Payload<'product', ProductOut> }>(operation('CreateProduct'), { input }, { token });
  return res;
}

beforeAll(async () => {
  admin = await adminToken();
  customer = (await registerCustomer('catalog')).accessToken;
  const res = await graphql<{ createCategory: Payload<'category', { id: string }> }>(
    operation('CreateCategory'),
    { input: { name: `E2E ${tag}`, slug: `e2e-${tag}` } },
    { token: admin },
  );
  expect(res.body.data!.createCategory.userErrors).toEqual([]);
  categoryId = res.body.data!.createCategory.category!.id;
});

describe('categories', () => {
  it('Categories lists the new category; a taken or malformed slug is INVALID_INPUT', async () => {
    const list = await graphql<{ categories: { id: string; slug: string }[] }>(operation('Categories'));
    expect(list.body.data!.categories).toContainEqual({ id: categoryId, name: `E2E ${tag}`, slug: `e2e-${tag}` });
    for (const slug of [`e2e-${tag}`, 'Not A Slug']) {
      const res = await graphql<{ createCategory: Payload<'category', unknown> }>(operation('CreateCategory'), { input: { name: 'X', slug } }, { token: admin });
      expect(res.body.data!.createCategory).toMatchObject({ category: null, userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'slug'] }] });
    }
  });

  it('CreateCategory needs a login and ADMIN', async () => {
    const anonymous = await graphql(operation('CreateCategory'), { input: { name: 'X', slug: `x-${tag}` } });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const shopper = await graphql(operation('CreateCategory'), { input: { name: 'X', slug: `x-${tag}` } }, { token: customer });
    expect(shopper.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('products', () => {
  it('CreateProduct / UpdateProduct / product(id), archived products stay readable but leave the list', async () => {
    const created = await createProduct({ name: `Drop ${tag}`, description: 'Limited run', price: '49.90', categoryId, maxPerCustomer: 2, initialStock: 10 });
    expect(created.body.errors).toBeUndefined();
    const product = created.body.data!.createProduct.product!;
    expect(product).toMatchObject({ name: `Drop ${tag}`, price: { amount: '49.90', currencyCode: 'USD' }, maxPerCustomer: 2, active: true });
    const updated = await graphql<{ updateProduct: Payload<'product', ProductOut> }>(
      operation('UpdateProduct'),
      { input: { id: product.id, price: '39.90', description: 'Now cheaper', maxPerCustomer: null } },
      { token: admin },
    );
    expect(updated.body.data!.updateProduct.product).toMatchObject({ price: { amount: '39.90' }, description: 'Now cheaper', maxPerCustomer: null });
    const read = await graphql<{ product: ProductOut & { category: { slug: string } } }>(PRODUCT, { id: product.id });
    expect(read.body.data!.product).toMatchObject({ price: { amount: '39.90' }, category: { slug: `e2e-${tag}` }, active: true });
    const listed = await graphql<{ products: { edges: { node: { id: string } }[] } }>(PRODUCTS, { filter: { search: `drop ${tag}` } });
    expect(listed.body.data!.products.edges.map((e) => e.node.id)).toEqual([product.id]);
    await graphql(operation('UpdateProduct'), { input: { id: product.id, active: false } }, { token: admin });
    expect((await graphql<{ product: ProductOut }>(PRODUCT, { id: product.id })).body.data!.product.active).toBe(false);
    const after = await graphql<{ products: { edges: unknown[]; totalCount: number } }>(PRODUCTS, { filter: { search: `drop ${tag}` } });
    expect(after.body.data!.products).toMatchObject({ edges: [], totalCount: 0 });
  });

  it('bad inputs are userErrors and change nothing', async () => {
    const cases: [object, string, string][] = [
      [{ name: 'A', price: '0' }, 'INVALID_INPUT', 'price'],
      [{ name: 'A', price: '-5' }, 'INVALID_INPUT', 'price'],
      [{ name: 'A', price: '1.999' }, 'INVALID_INPUT', 'price'],
      [{ name: 'A', price: 'ten' }, 'INVALID_INPUT', 'price'],
      [{ name: 'A', price: '1', maxPerCustomer: 0 }, 'INVALID_INPUT', 'maxPerCustomer'],
      [{ name: 'A', price: '1', initialStock: -1 }, 'INVALID_INPUT', 'initialStock'],
      [{ name: ' ', price: '1' }, 'INVALID_INPUT', 'name'],
      [{ name: 'A', price: '1', categoryId: randomUUID() }, 'NOT_FOUND', 'categoryId'],
    ];
    for (const [input, code, field] of cases) {
      const res = await createProduct(input);
      expect(res.body.data!.createProduct, JSON.stringify(input)).toMatchObject({ product: null, userErrors: [{ code, field: ['input', field] }] });
    }
    const unknown = await graphql<{ updateProduct: Payload<'product', unknown> }>(operation('UpdateProduct'), { input: { id: randomUUID(), name: 'x' } }, { token: admin });
    expect(unknown.body.data!.updateProduct.userErrors).toMatchObject([{ code: 'NOT_FOUND', field: ['input', 'id'] }]);
    expect((await graphql<{ product: unknown }>(PRODUCT, { id: randomUUID() })).body.data!.product).toBeNull();
  });

  it('admin mutations: no login → UNAUTHENTICATED, customer → FORBIDDEN', async () => {
    expect((await graphql(operation('CreateProduct'), { input: { name: 'A', price: '1' } })).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await createProduct({ name: 'A', price: '1' }, customer)).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const upd = await graphql(operation('UpdateProduct'), { input: { id: randomUUID(), name: 'x' } }, { token: customer });
    expect(upd.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('products: first outside 1..100, a junk cursor or a bad price bound are INVALID_INPUT errors', async () => {
    for (const variables of [{ first: 0 }, { first: 101 }, { after: 'junk' }, { filter: { minPrice: 'cheap' } }]) {
      const res = await graphql(PRODUCTS, variables);
      expect(res.body.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe('INVALID_INPUT');
    }
  });

  it('pages by cursor without repeats, in price order, within a category', async () => {
    const ids: string[] = [];
    for (const price of ['3.00', '1.00', '2.00', '1.00', '5.00']) {
      ids.push((await createProduct({ name: `Page ${tag}`, price, categoryId })).body.data!.createProduct.product!.id);
    }
    const seen: { id: string; price: { amount: string } }[] = [];
    let after: string | null = null;
    for (;;) {
      const res: { body: { data?: { products: { edges: { node: { id: string; price: { amount: string } } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; totalCount: number } } } } =
        await graphql(PRODUCTS, { first: 2, after, sortBy: 'PRICE_ASC', filter: { categoryId, search: `page ${tag}` } });
      const page = res.body.data!.products;
      expect(page.totalCount).toBe(5);
      seen.push(...page.edges.map((e) => e.node));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen.map((p) => p.id).sort()).toEqual([...ids].sort());
    expect(seen.map((p) => p.price.amount)).toEqual(['1.00', '1.00', '2.00', '3.00', '5.00']);
  });
});
