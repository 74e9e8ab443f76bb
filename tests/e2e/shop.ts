// Shop helpers for the order/payment e2e files: products with stock, orders, payments, stock figures, live updates.
import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import { WebSocket } from 'ws';
import { adminToken, eventually, gatewayUrl, graphql, operation } from './harness.ts';

export const CARDS = {
  ok: '4242 4242 4242 4242',
  declined: '4000 0000 0000 0002',
  insufficient: '4000 0000 0000 9995',
  async: '4000 0000 0000 3220',
} as const;

export interface UserErrorShape {
  code: string;
  field: string[] | null;
  message: string;
}

export const FINAL_STATUSES = ['DELIVERED', 'REJECTED', 'EXPIRED', 'CANCELLED', 'REFUNDED'];
/** Where an order rests once the saga is done with it (CONFIRMED and SHIPPED wait for an admin). */
export const END_STATUSES = ['CONFIRMED', 'SHIPPED', ...FINAL_STATUSES];

/** A new active product with `initialStock` units, once orders and inventory know it. */
export async function createProduct(opts: { price?: string; initialStock: number; maxPerCustomer?: number | null }): Promise<string> {
  const res = await graphql<{ createProduct: { product: { id: string } | null } }>(
    operation('CreateProduct'),
    {
      input: {
        name: `Drop ${randomUUID().slice(0, 8)}`,
        price: opts.price ?? '25.00',
        maxPerCustomer: opts.maxPerCustomer ?? null,
        initialStock: opts.initialStock,
      },
    },
    { token: await adminToken() },
  );
  const id = res.body.data?.createProduct.product?.id;
  if (!id) throw new Error(`createProduct failed: ${JSON.stringify(res.body)}`);
  await eventually(() => stockOf(id), (s) => s?.available === opts.initialStock);
  return id;
}

export interface StockLevel {
  available: number;
  reserved: number;
  sold: number;
}

export async function stockOf(productId: string): Promise<StockLevel | null> {
  const res = await graphql<{ product: { stock: StockLevel | null } | null }>(operation('ProductStock'), { id: productId }, { token: await adminToken() });
  return res.body.data?.product?.stock ?? null;
}

/** Polls until the product's stock figures are `expected` (inventory applies the saga's moves asynchronously). */
export async function stockSettles(productId: string, expected: StockLevel, ms = 20_000): Promise<void> {
  const stock = await eventually(() => stockOf(productId), (s) => JSON.stringify(s) === JSON.stringify(expected), ms, 100);
  if (JSON.stringify(stock) !== JSON.stringify(expected)) {
    throw new Error(`stock of ${productId} is ${JSON.stringify(stock)}, expected ${JSON.stringify(expected)}`);
  }
}

export interface PlacedOrder {
  id: string;
  status: string;
  total: { amount: string; currencyCode: string };
  items: { quantity: number; product: { id: string; name: string } }[];
}

export async function placeOrder(token: string, items: { productId: string; quantity: number }[] | undefined, idempotencyKey = randomUUID()) {
  const res = await graphql<{ placeOrder: { order: PlacedOrder | null; userErrors: UserErrorShape[] } }>(
    operation('PlaceOrder'),
    { input: { ...(items ? { items } : {}), idempotencyKey } },
    { token },
  );
  if (!res.body.data) throw new Error(`placeOrder failed: ${JSON.stringify(res.body)}`);
  return res.body.data.placeOrder;
}

export interface OrderView {
  id: string;
  status: string;
  failureReason: string | null;
  paymentDueAt: string | null;
  total: { amount: string; currencyCode: string };
  customer: { id: string; email: string | null };
  statusHistory: { status: string; at: string; reason: string | null }[];
  payment: { id: string; status: string; amount: { amount: string }; failureReason: string | null } | null;
}

export async function readOrder(token: string, id: string): Promise<OrderView | null> {
  const res = await graphql<{ order: OrderView | null }>(operation('Order'), { id }, { token });
  if (res.body.errors) throw new Error(`Order query failed: ${JSON.stringify(res.body.errors)}`);
  return res.body.data?.order ?? null;
}

/** Polls the order until it is in one of `statuses`. */
export async function waitForStatus(token: string, id: string, statuses: string | string[], ms = 15_000): Promise<OrderView> {
  const wanted = Array.isArray(statuses) ? statuses : [statuses];
  const order = await eventually(() => readOrder(token, id), (o) => !!o && wanted.includes(o.status), ms, 100);
  if (!order || !wanted.includes(order.status)) throw new Error(`order ${id} is ${order?.status ?? 'missing'}, expected ${wanted.join('|')}`);
  return order;
}

export interface PaymentView {
  id: string;
  status: string;
  amount: { amount: string; currencyCode: string };
  last4: string;
  failureReason: string | null;
}

export async function payOrder(token: string, orderId: string, number: string, idempotencyKey = randomUUID(), card: object = {}) {
  const res = await graphql<{ payOrder: { payment: PaymentView | null; userErrors: UserErrorShape[] } }>(
    operation('PayOrder'),
    { input: { orderId, idempotencyKey, card: { number, expMonth: 12, expYear: new Date().getFullYear() + 2, cvc: '123', ...card } } },
    { token },
  );
  if (!res.body.data) throw new Error(`payOrder failed: ${JSON.stringify(res.body)}`);
  return res.body.data.payOrder;
}

export async function mutateOrder(name: 'CancelOrder' | 'MarkOrderShipped' | 'MarkOrderDelivered', token: string, variables: object) {
  const res = await graphql<Record<string, { order: { id: string; status: string } | null; userErrors: UserErrorShape[] }>>(operation(name), variables, {
    token,
  });
  if (!res.body.data) throw new Error(`${name} failed: ${JSON.stringify(res.body)}`);
  return Object.values(res.body.data)[0]!;
}

/** A live subscription: every payload (or error) it received so far, and a way to wait for more. */
export interface LiveFeed<T> {
  payloads: T[];
  errors: unknown[];
  completed: boolean;
  /** Resolves once `check` holds for the payloads received (or rejects after `ms`). */
  until(check: (payloads: T[]) => boolean, ms?: number): Promise<T[]>;
  close(): void;
}

export function wsUrl(httpUrl = gatewayUrl()): string {
  return httpUrl.replace(/^http/, 'ws');
}

export function wsClient(token: string | null, url = wsUrl()): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
}

/** Subscribes with the contract's operation `name` and collects what arrives. */
export function subscribe<T>(client: Client, name: 'OrderUpdated' | 'MyOrderUpdates', variables: Record<string, unknown> = {}): LiveFeed<T> {
  const feed: LiveFeed<T> = {
    payloads: [],
    errors: [],
    completed: false,
    async until(check, ms = 15_000) {
      const deadline = Date.now() + ms;
      while (!check(feed.payloads)) {
        if (feed.errors.length > 0) throw new Error(`subscription failed: ${JSON.stringify(feed.errors)}`);
        if (Date.now() > deadline) throw new Error(`subscription did not get there in ${ms} ms; got ${JSON.stringify(feed.payloads)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return feed.payloads;
    },
    close: () => undefined,
  };
  feed.close = client.subscribe<Record<string, T>>(
    { query: operation(name), variables },
    {
      next: (result) => {
        if (result.errors) feed.errors.push(...result.errors);
        else if (result.data) feed.payloads.push(Object.values(result.data)[0]!);
      },
      error: (error) => feed.errors.push(error),
      complete: () => {
        feed.completed = true;
      },
    },
  );
  return feed;
}

/** Statuses of the payloads in order, with consecutive repeats collapsed (a payload may repeat a status when only other fields changed). */
export const statusSequence = (payloads: { status: string }[]): string[] =>
  payloads.map((p) => p.status).filter((s, i, all) => i === 0 || all[i - 1] !== s);
