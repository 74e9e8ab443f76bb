// What a benchmark prepares through the public API before it measures (not timed): an admin, products with stock,
// and, against a running stack (--url), thousands of registered customers (with progress, since scrypt makes that
// take a while; an own stack prepares them directly, see prepared-customers.ts).
import { randomBytes } from 'node:crypto';
import { operation } from '../../lib/operations.ts';
import { runConcurrent } from './load.ts';

export type Gql = <T>(query: string, variables?: object, token?: string) => Promise<T>;

/** A GraphQL client for `url` that throws on any error, so preparation never measures a broken setup. */
export function gqlClient(url: string): Gql {
  return async <T>(query: string, variables: object = {}, token?: string): Promise<T> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json()) as { data?: T; errors?: unknown[] };
    if (!body.data || body.errors) throw new Error(`${url}: ${JSON.stringify(body).slice(0, 500)}`);
    return body.data;
  };
}

/** Progress on one terminal line (a line per 10 % when stderr is not a terminal, as in CI logs). */
export function progress(label: string, total: number): (done: number) => void {
  let lastTenth = -1;
  return (done) => {
    if (process.stderr.isTTY) {
      process.stderr.write(`\r  ${label} ${done}/${total}${done === total ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor((done * 10) / total);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      process.stderr.write(`  ${label} ${done}/${total}\n`);
    }
  };
}

export async function login(gql: Gql, email: string, password: string): Promise<string> {
  const { login } = await gql<{ login: { accessToken: string | null; userErrors: unknown[] } }>(operation('Login'), { input: { email, password } });
  if (!login.accessToken) throw new Error(`login failed: ${JSON.stringify(login.userErrors)}`);
  return login.accessToken;
}

export interface Customer {
  id: string;
  token: string;
}

/** Registers `n` customers, `concurrency` at a time (password hashing is the cost). */
export async function registerCustomers(gql: Gql, n: number, concurrency: number, run: string): Promise<Customer[]> {
  const customers: Customer[] = new Array(n);
  const report = progress('registering customers', n);
  let done = 0;
  await runConcurrent(n, concurrency, async (i) => {
    const { register } = await gql<{ register: { accessToken: string; user: { id: string } } }>(operation('Register'), {
      input: { email: `bench-${run}-${i}@bench.limitedcart.test`, password: `pw-${randomBytes(6).toString('hex')}`, name: `Bench ${i}` },
    });
    customers[i] = { id: register.user.id, token: register.accessToken };
    report(++done);
  });
  return customers;
}

export async function createProduct(gql: Gql, admin: string, input: { name: string; price: string; initialStock: number; maxPerCustomer?: number | null }): Promise<string> {
  const { createProduct } = await gql<{ createProduct: { product: { id: string } | null; userErrors: unknown[] } }>(
    operation('CreateProduct'),
    { input: { maxPerCustomer: null, ...input } },
    admin,
  );
  if (!createProduct.product) throw new Error(`createProduct failed: ${JSON.stringify(createProduct.userErrors)}`);
  return createProduct.product.id;
}

export interface StockLevel {
  available: number;
  reserved: number;
  sold: number;
}

export async function stockOf(gql: Gql, admin: string, productId: string): Promise<StockLevel | null> {
  const { product } = await gql<{ product: { stock: StockLevel | null } | null }>(operation('ProductStock'), { id: productId }, admin);
  return product?.stock ?? null;
}
