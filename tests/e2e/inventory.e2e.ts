// Inventory through the gateway: initial stock becomes visible on the product, restock, the ADMIN-only stock figures,
// and restock's bad inputs. Products and inventory meet only through products.events, so reads poll briefly.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminToken, eventually, graphql, operation, registerCustomer } from './harness.ts';

interface StockLevel {
  available: number;
  reserved: number;
  sold: number;
}
interface UserErrorShape {
  code: string;
  field: string[] | null;
}

let admin: string;
let customer: string;

async function createProduct(initialStock: number): Promise<string> {
  const res = await graphql<{ createProduct: { product: { id: string } | null } }>(
    operation('CreateProduct'),
    { input: { name: `Stocked ${randomUUID().slice(0, 8)}`, price: '12.50', maxPerCustomer: 1, initialStock } },
    { token: admin },
  );
  const id = res.body.data?.createProduct.product?.id;
  if (!id) throw new Error(`createProduct failed: ${JSON.stringify(res.body)}`);
  return id;
}

async function readProduct(id: string) {
  const res = await graphql<{ product: { inStock: boolean; availableQuantity: number } | null }>(operation('Product'), { id });
  return res.body.data?.product;
}

beforeAll(async () => {
  admin = await adminToken();
  customer = (await registerCustomer('inventory')).accessToken;
});

describe('stock through the supergraph', () => {
  it('initialStock becomes availableQuantity, and Products lists it with inventory fields', async () => {
    const t0 = Date.now();
    const id = await createProduct(7);
    const product = await eventually(() => readProduct(id), (p) => p?.availableQuantity === 7);
    expect(product).toMatchObject({ inStock: true, availableQuantity: 7 });
    expect(Date.now() - t0).toBeLessThan(5_000);
    const list = await graphql<{ products: { edges: { node: { id: string; inStock: boolean; availableQuantity: number } }[] } }>(operation('Products'), { first: 100 });
    expect(list.body.errors).toBeUndefined();
    expect(list.body.data!.products.edges.find((e) => e.node.id === id)?.node).toMatchObject({ inStock: true, availableQuantity: 7 });
  });

  it('restock right after createProduct adds to available; ProductStock shows the figures to ADMIN only', async () => {
    const id = await createProduct(0);
    const res = await graphql<{ restock: { stock: StockLevel | null; userErrors: UserErrorShape[] } }>(operation('Restock'), { input: { productId: id, quantity: 25 } }, { token: admin });
    expect(res.body.data!.restock).toEqual({ stock: { available: 25, reserved: 0, sold: 0 }, userErrors: [] });
    expect(await readProduct(id)).toMatchObject({ inStock: true, availableQuantity: 25 });
    const asAdmin = await graphql<{ product: { id: string; stock: StockLevel } }>(operation('ProductStock'), { id }, { token: admin });
    expect(asAdmin.body.data!.product.stock).toEqual({ available: 25, reserved: 0, sold: 0 });
    const asCustomer = await graphql<{ product: { stock: StockLevel | null } }>(operation('ProductStock'), { id }, { token: customer });
    expect(asCustomer.body.data?.product.stock ?? null).toBeNull();
    expect(asCustomer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('a product without stock reads as not in stock', async () => {
    const id = await createProduct(0);
    const product = await eventually(() => readProduct(id), (p) => p !== null && p !== undefined);
    expect(product).toMatchObject({ inStock: false, availableQuantity: 0 });
  });
});

describe('restock rules', () => {
  it('bad quantities are INVALID_INPUT and change nothing; an unknown product is NOT_FOUND', async () => {
    const id = await createProduct(3);
    await eventually(() => readProduct(id), (p) => p?.availableQuantity === 3);
    for (const quantity of [0, -3, 1_000_001]) {
      const res = await graphql<{ restock: { stock: StockLevel | null; userErrors: UserErrorShape[] } }>(operation('Restock'), { input: { productId: id, quantity } }, { token: admin });
      expect(res.body.data!.restock).toMatchObject({ stock: null, userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'quantity'] }] });
    }
    expect(await readProduct(id)).toMatchObject({ availableQuantity: 3 });
    const unknown = await graphql<{ restock: { stock: StockLevel | null; userErrors: UserErrorShape[] } }>(operation('Restock'), { input: { productId: randomUUID(), quantity: 1 } }, { token: admin });
    expect(unknown.body.data!.restock).toMatchObject({ stock: null, userErrors: [{ code: 'NOT_FOUND' }] });
  });

  it('restock needs a login and ADMIN', async () => {
    const input = { productId: randomUUID(), quantity: 1 };
    expect((await graphql(operation('Restock'), { input })).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await graphql(operation('Restock'), { input }, { token: customer })).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
