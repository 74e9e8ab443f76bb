import { randomUUID } from 'node:crypto';
import { PRODUCT_EVENT, type ProductCreatedPayload } from '@limitedcart/common/events/product-events';
import { createLogger } from '@limitedcart/common';
import { KafkaMessageBus, type EventEnvelope } from '@limitedcart/common/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProductRecord } from '../src/services/product-record.ts';
import { adminCtx, startTestProducts, type TestProducts } from './products-harness.ts';

const quiet = createLogger('products-test', 'silent');
let t: TestProducts;
let admin: string;
let customer: string;
let consumer: KafkaMessageBus;
const events: EventEnvelope[] = [];

const CREATE_CATEGORY = `mutation($input: CreateCategoryInput!) { createCategory(input: $input) { category { id name slug } userErrors { code field message } } }`;
const CREATE_PRODUCT = `mutation($input: CreateProductInput!) { createProduct(input: $input) {
  product { id name description price { amount currencyCode } category { id slug } maxPerCustomer active createdAt updatedAt }
  userErrors { code field message } } }`;
const UPDATE_PRODUCT = `mutation($input: UpdateProductInput!) { updateProduct(input: $input) {
  product { id name price { amount currencyCode } maxPerCustomer active } userErrors { code field message } } }`;
const PRODUCT = `query($id: ID!) { product(id: $id) { id name active price { amount } maxPerCustomer category { name } } }`;

interface Payload<K extends string, T> {
  [key: string]: { [P in K]: T | null } & { userErrors: { code: string; field: string[] | null; message: string }[] };
}
type ProductOut = { id: string; name: string; price: { amount: string; currencyCode: string }; active: boolean; maxPerCustomer: number | null };

async function createProduct(input: object) {
  const res = await t.gql<Payload<'product', ProductOut>>(CREATE_PRODUCT, { input }, admin);
  expect(res.errors).toBeUndefined();
  return res.data!.createProduct!;
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  t = await startTestProducts('catalog');
  admin = await t.token(['ADMIN']);
  customer = await t.token(['CUSTOMER']);
  consumer = new KafkaMessageBus({ brokers: t.config.kafkaBrokers, clientId: `${t.prefix}-test` });
  await consumer.subscribe({ groupId: `${t.prefix}-group`, topics: [t.running.topic], handler: async (e) => void events.push(e) });
  await consumer.start();
});

afterAll(async () => {
  await consumer?.stop();
  await t?.stop();
});

describe('admin mutations', () => {
  it('creates a category and refuses a taken or malformed slug (INVALID_INPUT on input.slug)', async () => {
    const slug = `shoes-${randomUUID().slice(0, 6)}`;
    const ok = await t.gql<Payload<'category', { id: string; slug: string }>>(CREATE_CATEGORY, { input: { name: 'Shoes', slug } }, admin);
    expect(ok.data!.createCategory!.userErrors).toEqual([]);
    expect(ok.data!.createCategory!.category!.slug).toBe(slug);
    const taken = await t.gql<Payload<'category', unknown>>(CREATE_CATEGORY, { input: { name: 'Other', slug } }, admin);
    expect(taken.data!.createCategory!).toMatchObject({ category: null, userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'slug'] }] });
    const bad = await t.gql<Payload<'category', unknown>>(CREATE_CATEGORY, { input: { name: 'Bad', slug: 'Bad Slug' } }, admin);
    expect(bad.data!.createCategory!.userErrors[0]!.code).toBe('INVALID_INPUT');
    const list = await t.gql<{ categories: { slug: string }[] }>('{ categories { id name slug } }');
    expect(list.data!.categories.map((c) => c.slug)).toEqual([slug]);
  });

  it('needs a login (UNAUTHENTICATED) and the ADMIN role (FORBIDDEN)', async () => {
    const input = { name: 'X', price: '1.00' };
    const anonymous = await t.gql(CREATE_PRODUCT, { input });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const shopper = await t.gql(CREATE_PRODUCT, { input }, customer);
    expect(shopper.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const count = await t.running.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from product');
    expect(count[0]!.n).toBe(0);
  });

  it('creates a product in the store currency, with validation and NOT_FOUND for an unknown category', async () => {
    const created = await createProduct({ name: ' Sneaker ', description: 'Blue canvas', price: '19.99', maxPerCustomer: 2, initialStock: 50 });
    expect(created.userErrors).toEqual([]);
    expect(created.product).toMatchObject({ name: 'Sneaker', price: { amount: '19.99', currencyCode: t.config.storeCurrency }, maxPerCustomer: 2, active: true });
    expect((await createProduct({ name: 'A', price: '0' })).userErrors).toMatchObject([{ code: 'INVALID_INPUT', field: ['input', 'price'] }]);
    expect((await createProduct({ name: 'A', price: '1.234' })).userErrors).toMatchObject([{ code: 'INVALID_INPUT', field: ['input', 'price'] }]);
    expect((await createProduct({ name: 'A', price: '1', maxPerCustomer: 0 })).userErrors).toMatchObject([{ code: 'INVALID_INPUT', field: ['input', 'maxPerCustomer'] }]);
    expect((await createProduct({ name: 'A', price: '1', initialStock: -1 })).userErrors).toMatchObject([{ code: 'INVALID_INPUT', field: ['input', 'initialStock'] }]);
    const unknown = await createProduct({ name: 'A', price: '1', categoryId: randomUUID() });
    expect(unknown).toMatchObject({ product: null, userErrors: [{ code: 'NOT_FOUND', field: ['input', 'categoryId'] }] });
  });

  it('updates any field, archives with active:false (still readable by id), NOT_FOUND for unknown ids', async () => {
    const { product } = await createProduct({ name: 'Hat', price: '5.00' });
    const upd = await t.gql<Payload<'product', ProductOut>>(UPDATE_PRODUCT, { input: { id: product!.id, name: 'Big Hat', price: '6.50', maxPerCustomer: 1 } }, admin);
    expect(upd.data!.updateProduct!.product).toMatchObject({ name: 'Big Hat', price: { amount: '6.50' }, maxPerCustomer: 1, active: true });
    const archived = await t.gql<Payload<'product', ProductOut>>(UPDATE_PRODUCT, { input: { id: product!.id, active: false } }, admin);
    expect(archived.data!.updateProduct!.product!.active).toBe(false);
    const read = await t.gql<{ product: ProductOut }>(PRODUCT, { id: product!.id });
    expect(read.data!.product).toMatchObject({ name: 'Big Hat', active: false });
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const missing = await t.gql<Payload<'product', ProductOut>>(UPDATE_PRODUCT, { input: { id, name: 'x' } }, admin);
      expect(missing.data!.updateProduct!.userErrors).toMatchObject([{ code: 'NOT_FOUND', field: ['input', 'id'] }]);
    }
    expect((await t.gql<{ product: unknown }>(PRODUCT, { id: randomUUID() })).data!.product).toBeNull();
    expect((await t.gql<{ product: unknown }>(PRODUCT, { id: 'junk' })).data!.product).toBeNull();
    const forbidden = await t.gql(UPDATE_PRODUCT, { input: { id: product!.id, name: 'x' } }, customer);
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('read cache', () => {
  it('never serves a stale price after an update, even if a slow reader refills the cache with the old row', async () => {
    const { product } = await createProduct({ name: 'Cached', price: '10.00' });
    const id = product!.id;
    expect((await t.gql<{ product: ProductOut }>(PRODUCT, { id })).data!.product.price.amount).toBe('10.00');
    const cacheKey = `${t.config.redisPrefix}products:v1:${id}`;
    const before = JSON.parse((await t.running.redis.get(cacheKey))!) as { priceMinor: number; version: number };
    expect(before).toMatchObject({ priceMinor: 1000, version: 1 });
    await t.gql(UPDATE_PRODUCT, { input: { id, price: '12.00' } }, admin);
    expect((await t.gql<{ product: ProductOut }>(PRODUCT, { id })).data!.product.price.amount).toBe('12.00');
    // A reader that loaded version 1 before the commit writes it back afterwards: refused (older version).
    await t.running.cache.fill([{ ...(before as unknown as ProductRecord), priceMinor: 1000, version: 1 }]);
    expect((await t.gql<{ product: ProductOut }>(PRODUCT, { id })).data!.product.price.amount).toBe('12.00');
    // A changed row in PostgreSQL that bypassed the service would be visible once the entry is gone (TTL bound).
    expect(await t.running.redis.ttl(cacheKey)).toBeGreaterThan(0);
  });
});

describe('entity references', () => {
  it('resolves 100 Product references with ONE product query (and one category query)', async () => {
    const slug = `batch-${randomUUID().slice(0, 6)}`;
    const cat = await t.running.categories.create(adminCtx(quiet), { name: 'Batch', slug });
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const r = await t.running.products.create(adminCtx(quiet), { name: `Batch ${i}`, price: '1.00', categoryId: cat.category!.id });
      ids.push(r.product!.id);
    }
    // Cold cache: every reference must come from PostgreSQL.
    await t.running.redis.del(...ids.map((id) => t.running.cache.key(id)));
    const start = t.lines.length;
    const res = await t.gql<{ _entities: { id: string; name: string; category: { slug: string } }[] }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id name category { slug } } } }`,
      { r: ids.map((id) => ({ __typename: 'Product', id })) },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities.map((p) => p.id)).toEqual(ids);
    expect(res.data!._entities.every((p) => p.category.slug === slug)).toBe(true);
    const sql = t.lines.slice(start).map((l) => l.sql).filter((s): s is string => typeof s === 'string');
    expect(sql.filter((s) => /from product p where p\.id in/.test(s))).toHaveLength(1);
    expect(sql.filter((s) => /from category where id in/.test(s))).toHaveLength(1);
    // Warm cache: no product query at all.
    const warm = t.lines.length;
    await t.gql(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id } } }`, { r: ids.map((id) => ({ __typename: 'Product', id })) });
    expect(t.lines.slice(warm).filter((l) => typeof l.sql === 'string' && /from product/.test(l.sql))).toHaveLength(0);
  });
});

describe('products.events', () => {
  it('publishes ProductCreated (with initialStock), ProductUpdated and ProductArchived through the outbox', async () => {
    const { product } = await createProduct({ name: 'Evented', price: '3.30', maxPerCustomer: 3, initialStock: 7 });
    const id = product!.id;
    await t.gql(UPDATE_PRODUCT, { input: { id, price: '4.40' } }, admin);
    await t.gql(UPDATE_PRODUCT, { input: { id, active: false } }, admin);
    const mine = await waitFor(() => {
      const list = events.filter((e) => e.aggregateId === id);
      return list.length >= 3 ? list : undefined;
    });
    expect(mine.map((e) => e.type)).toEqual([PRODUCT_EVENT.created, PRODUCT_EVENT.updated, PRODUCT_EVENT.archived]);
    expect(mine[0]!.payload as ProductCreatedPayload).toEqual({
      id, name: 'Evented', priceMinor: 330, currency: t.config.storeCurrency, maxPerCustomer: 3, active: true, categoryId: null, version: 1, initialStock: 7,
    });
    expect(mine[1]!.payload).toMatchObject({ priceMinor: 440, active: true, version: 2 });
    expect(mine[2]!.payload).toMatchObject({ priceMinor: 440, active: false, version: 3 });
    expect(mine.every((e) => e.aggregateType === 'Product')).toBe(true);
  });

  it('writes no event for a refused change', async () => {
    const before = await t.running.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from messaging_outbox');
    await createProduct({ name: 'A', price: '1', categoryId: randomUUID() });
    const after = await t.running.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from messaging_outbox');
    expect(after[0]!.n).toBe(before[0]!.n);
  });
});
