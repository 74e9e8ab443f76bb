import { createHash } from 'node:crypto';
import { createRedis } from '@limitedcart/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../src/limits.ts';
import { startHarness, postGraphQL, type Harness } from './support/harness.ts';
import { aliasedQuery, contractOperation, deepQuery, queryOfLength } from './support/operations.ts';
import { tamper } from './support/test-tokens.ts';

const T = { timeout: 15_000 };

describe('gateway over HTTP', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    await h?.stop();
  }, 30_000);

  describe('forwarding and auth', () => {
    it('forwards a verified Authorization header and the correlation id to the subgraph', T, async () => {
      const token = await h.jwks.sign({ sub: 'user-42' });
      const before = h.subgraph.calls.length;
      const res = await postGraphQL(h.url, { query: '{ echo { authorization correlationId } }' }, {
        authorization: `Bearer ${token}`,
        'x-correlation-id': 'corr-forward-1',
      });
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data).toEqual({ echo: { authorization: `Bearer ${token}`, correlationId: 'corr-forward-1' } });
      expect(res.headers.get('x-correlation-id')).toBe('corr-forward-1');
      expect(h.subgraph.calls.length).toBe(before + 1);
      expect(h.subgraph.calls.at(-1)?.authorization).toBe(`Bearer ${token}`);
    });

    it('lets an anonymous query through with a fresh correlation id and no Authorization', T, async () => {
      const res = await postGraphQL(h.url, { query: '{ echo { authorization correlationId } }' });
      expect(res.status).toBe(200);
      const echo = res.body.data?.echo as { authorization: string | null; correlationId: string };
      expect(echo.authorization).toBeNull();
      expect(echo.correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('x-correlation-id')).toBe(echo.correlationId);
    });

    it('runs a mutation through the gateway', T, async () => {
      const res = await postGraphQL(h.url, { query: 'mutation($v: Int!) { touch(value: $v) }', variables: { v: 41 } });
      expect(res.body).toEqual({ data: { touch: 42 } });
    });

    const badTokens: [string, (h: Harness) => Promise<string>][] = [
      ['a tampered token', async (h) => tamper(await h.jwks.sign())],
      ['an alg:none token', async (h) => h.jwks.unsigned()],
      ['an expired token', async (h) => h.jwks.sign({ expiresIn: -30 })],
      ['a token signed by a foreign key', async (h) => h.jwks.sign({ foreignKey: true })],
      ['garbage', async () => 'not-a-jwt'],
    ];
    for (const [name, make] of badTokens) {
      it(`refuses ${name} with 401 UNAUTHENTICATED before any subgraph call`, T, async () => {
        const token = await make(h);
        const before = h.subgraph.calls.length;
        const res = await postGraphQL(h.url, { query: '{ echo { authorization } }' }, { authorization: `Bearer ${token}` });
        expect(res.status).toBe(401);
        expect(res.body.data).toBeUndefined();
        expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(h.subgraph.calls.length).toBe(before);
      });
    }

    it('refuses a malformed Authorization header', T, async () => {
      const before = h.subgraph.calls.length;
      const res = await postGraphQL(h.url, { query: '{ echo { authorization } }' }, { authorization: 'Basic dXNlcjpwYXNz' });
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(h.subgraph.calls.length).toBe(before);
    });
  });

  describe('limits', () => {
    async function expectRefused(query: string, pattern: RegExp) {
      const before = h.subgraph.calls.length;
      const res = await postGraphQL(h.url, { query });
      expect(res.status).toBe(400);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(res.body.errors?.[0]?.message).toMatch(pattern);
      expect(h.subgraph.calls.length).toBe(before);
    }

    it('accepts depth 12 and refuses depth 13', T, async () => {
      const ok = await postGraphQL(h.url, { query: deepQuery(LIMITS.maxDepth) });
      expect(ok.body.errors).toBeUndefined();
      expect(ok.body.data?.node).toBeTruthy();
      await expectRefused(deepQuery(LIMITS.maxDepth + 1), /depth limit of 12 exceeded, found 13/);
    });

    it('accepts 15 aliases and refuses 16', T, async () => {
      const ok = await postGraphQL(h.url, { query: aliasedQuery(15) });
      expect(ok.body.errors).toBeUndefined();
      expect(Object.keys(ok.body.data ?? {})).toHaveLength(15);
      await expectRefused(aliasedQuery(16), /Aliases limit of 15 exceeded, found 16/);
    });

    it('accepts a 10,000-character query and refuses a 10,001-character one', T, async () => {
      const ok = await postGraphQL(h.url, { query: queryOfLength(10_000) });
      expect(ok.body.errors).toBeUndefined();
      await expectRefused(queryOfLength(10_001), /10001 characters; the limit is 10000/);
    });

    it('applies the character limit to GET queries too', T, async () => {
      const url = `${h.url}?query=${encodeURIComponent(queryOfLength(10_001))}`;
      const res = await fetch(url, { headers: { 'apollo-require-preflight': 'true' }, signal: AbortSignal.timeout(10_000) });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });

    it('runs the largest contract operation (Order) untouched by the limits', T, async () => {
      const query = contractOperation('Order');
      const res = await postGraphQL(h.url, { query, variables: { id: 'order-1' }, operationName: 'Order' });
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      const order = res.body.data?.order as { id: string; items: { product: { name: string } }[]; total: { amount: string } };
      expect(order.id).toBe('order-1');
      expect(order.items[0]?.product.name).toBe('Sneaker');
      expect(order.total.amount).toBe('39.98');
    });
  });

  describe('HTTP request handling', () => {
    it('answers 413 to a body over 1 MB', T, async () => {
      const res = await postGraphQL(h.url, { query: '{ echo { correlationId } }', variables: { pad: 'x'.repeat(1_100_000) } });
      expect(res.status).toBe(413);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('answers 400 to malformed JSON', T, async () => {
      const res = await fetch(h.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query": "{ echo { correlationId } }"',
        signal: AbortSignal.timeout(10_000),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code).toBe('BAD_REQUEST');
    });

    it('blocks a simple GET query without a preflight header (CSRF) and serves it with one', T, async () => {
      const url = `${h.url}?query=${encodeURIComponent('{ echo { correlationId } }')}`;
      const before = h.subgraph.calls.length;
      const blocked = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      expect(blocked.status).toBe(400);
      expect(await blocked.text()).toMatch(/Cross-Site Request Forgery/);
      expect(h.subgraph.calls.length).toBe(before);
      const allowed = await fetch(url, { headers: { 'apollo-require-preflight': 'true' }, signal: AbortSignal.timeout(10_000) });
      expect(allowed.status).toBe(200);
      expect(((await allowed.json()) as { data: unknown }).data).toHaveProperty('echo');
    });

    it('serves the embedded Apollo Sandbox to a browser outside production', T, async () => {
      const res = await fetch(h.url, { headers: { accept: 'text/html' }, signal: AbortSignal.timeout(10_000) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(await res.text()).toMatch(/embeddable-sandbox/);
    });

    it('allows introspection outside production', T, async () => {
      const res = await postGraphQL(h.url, { query: '{ __schema { queryType { name } } }' });
      expect(res.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    });
  });

  describe('automatic persisted queries', () => {
    it('stores a registered query in Redis under <prefix>apq:<sha256> and serves it by hash', T, async () => {
      const query = '{ echo { correlationId } }';
      const sha256Hash = createHash('sha256').update(query).digest('hex');
      const extensions = { persistedQuery: { version: 1, sha256Hash } };

      const miss = await postGraphQL(h.url, { extensions });
      expect(miss.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');

      const registered = await postGraphQL(h.url, { query, extensions });
      expect(registered.body.errors).toBeUndefined();

      const redis = createRedis(h.config, 'gateway-test');
      try {
        expect(await redis.get(`${h.config.redisPrefix}apq:${sha256Hash}`)).toBe(query);
        expect(await redis.ttl(`${h.config.redisPrefix}apq:${sha256Hash}`)).toBeGreaterThan(0);
      } finally {
        await redis.quit();
      }

      const hit = await postGraphQL(h.url, { extensions });
      expect(hit.body.errors).toBeUndefined();
      expect(hit.body.data).toHaveProperty('echo.correlationId');
    });
  });
});

describe('gateway in production', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      NODE_ENV: 'production',
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: 'not-a-real-password',
      PAYMENT_WEBHOOK_SECRET: 'whsec_gateway_test_only_secret',
      INTERNAL_AUTH_SECRET: 'internal_gateway_test_only_secret',
    });
  }, 30_000);

  afterAll(async () => {
    await h?.stop();
  }, 30_000);

  it('serves no landing page', T, async () => {
    const res = await fetch(h.url, { headers: { accept: 'text/html' }, signal: AbortSignal.timeout(10_000) });
    expect(res.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(await res.text()).not.toMatch(/embeddable-sandbox/);
  });

  it('refuses introspection and does not suggest field names', T, async () => {
    const introspection = await postGraphQL(h.url, { query: '{ __schema { queryType { name } } }' });
    expect(introspection.status).toBe(400);
    expect(introspection.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const typo = await postGraphQL(h.url, { query: '{ ech { correlationId } }' });
    expect(typo.body.errors?.[0]?.message).not.toMatch(/Did you mean/);
  });

  it('still serves queries', T, async () => {
    const res = await postGraphQL(h.url, { query: '{ echo { correlationId } }' });
    expect(res.body.errors).toBeUndefined();
  });
});
