// What every e2e file uses: the gateway's URL, a GraphQL call, the contract's operations by name, test identities.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { eventually } from '../lib/eventually.ts';
import { operation } from '../lib/operations.ts';

export { eventually, operation };

export function gatewayUrl(): string {
  return inject('gatewayUrl');
}

export interface GraphQLResponse<T> {
  status: number;
  body: { data?: T; errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[] };
}

export async function graphql<T = Record<string, unknown>>(
  query: string,
  variables?: object,
  opts: { token?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(gatewayUrl(), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body: GraphQLResponse<T>['body'];
  try {
    body = JSON.parse(text) as GraphQLResponse<T>['body'];
  } catch {
    throw new Error(`gateway answered ${res.status} with non-JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, body };
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomUUID().slice(0, 12)}@e2e.limitedcart.test`;
}

let cachedAdminToken: Promise<string> | undefined;

/** An access token of the ADMIN the stack was started with (ADMIN_EMAIL/ADMIN_PASSWORD). */
export function adminToken(): Promise<string> {
  cachedAdminToken ??= (async () => {
    const res = await graphql<{ login: { accessToken: string | null; userErrors: unknown[] } }>(operation('Login'), {
      input: { email: inject('adminEmail'), password: inject('adminPassword') },
    });
    const token = res.body.data?.login.accessToken;
    if (!token) throw new Error(`admin login failed: ${JSON.stringify(res.body)}`);
    return token;
  })();
  return cachedAdminToken;
}

/** Registers a fresh customer and returns its tokens and id. */
export async function registerCustomer(label = 'customer'): Promise<{ id: string; email: string; accessToken: string; refreshToken: string }> {
  const email = uniqueEmail(label);
  const res = await graphql<{ register: { accessToken: string; refreshToken: string; user: { id: string } } }>(operation('Register'), {
    input: { email, password: 'correct horse battery', name: label },
  });
  const payload = res.body.data?.register;
  if (!payload?.accessToken) throw new Error(`register failed: ${JSON.stringify(res.body)}`);
  return { id: payload.user.id, email, accessToken: payload.accessToken, refreshToken: payload.refreshToken };
}

