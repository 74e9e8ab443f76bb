import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client, type SubscribePayload } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SubscriptionSourceFactory } from '../src/subscriptions/subscription-source.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { deepQuery, queryOfLength } from './support/operations.ts';
import { tamper } from './support/test-tokens.ts';

const T = { timeout: 15_000 };

interface Outcome {
  results: FormattedExecutionResult[];
  /** graphql-ws's error: formatted GraphQL errors, or the CloseEvent that ended the socket. */
  error?: unknown;
}

function wsUrl(h: Harness): string {
  return h.url.replace(/^http/, 'ws');
}

/** keepOpenMs keeps the socket open between operations (the client otherwise reconnects, and connect re-checks). */
function client(h: Harness, authorization?: string, keepOpenMs = 0): Client {
  return createClient({
    url: wsUrl(h),
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { authorization } : {},
    retryAttempts: 0,
    lazy: true,
    lazyCloseTimeout: keepOpenMs,
  });
}

/** Runs one operation to its end (complete or error), bounded in time. */
function run(c: Client, payload: SubscribePayload, maxResults = Infinity): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const results: FormattedExecutionResult[] = [];
    const timer = setTimeout(() => reject(new Error('operation did not finish in time')), 10_000);
    const done = (outcome: Outcome) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    const unsubscribe = c.subscribe(payload, {
      next: (result) => {
        results.push(result as FormattedExecutionResult);
        if (results.length >= maxResults) {
          unsubscribe();
          done({ results });
        }
      },
      error: (error) => done({ results, error }),
      complete: () => done({ results }),
    });
  });
}

describe('gateway over graphql-ws', () => {
  let h: Harness;
  const clients: Client[] = [];
  const open = (authorization?: string, keepOpenMs = 0) => {
    const c = client(h, authorization, keepOpenMs);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await h?.stop();
  }, 30_000);

  it('runs a query with a valid token and forwards it to the subgraph', T, async () => {
    const token = await h.jwks.sign({ sub: 'ws-user' });
    const before = h.subgraph.calls.length;
    const { results, error } = await run(open(`Bearer ${token}`), { query: '{ echo { authorization correlationId } }' });
    expect(error).toBeUndefined();
    expect(results).toHaveLength(1);
    const echo = results[0]?.data?.echo as { authorization: string; correlationId: string };
    expect(echo.authorization).toBe(`Bearer ${token}`);
    expect(echo.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(h.subgraph.calls.length).toBe(before + 1);
  });

  it('runs a mutation, and anonymous operations pass through', T, async () => {
    const c = open();
    const mutation = await run(c, { query: 'mutation { touch(value: 1) }' });
    expect(mutation.results[0]).toEqual({ data: { touch: 2 } });
    const anonymous = await run(c, { query: '{ echo { authorization } }' });
    expect(anonymous.results[0]?.data).toEqual({ echo: { authorization: null } });
  });

  for (const [name, make] of [
    ['a tampered token', async (h: Harness) => `Bearer ${tamper(await h.jwks.sign())}`],
    ['an expired token', async (h: Harness) => `Bearer ${await h.jwks.sign({ expiresIn: -30 })}`],
    ['an alg:none token', async (h: Harness) => `Bearer ${h.jwks.unsigned()}`],
    ['a header without Bearer', async (h: Harness) => await h.jwks.sign()],
  ] as const) {
    it(`refuses ${name} at connect with 4403 Forbidden`, T, async () => {
      const before = h.subgraph.calls.length;
      const { results, error } = await run(open(await make(h)), { query: '{ echo { authorization } }' });
      expect(results).toHaveLength(0);
      expect((error as { code?: number }).code).toBe(4403);
      expect(h.subgraph.calls.length).toBe(before);
    });
  }

  it('re-verifies the token for every operation: one that expired after connect is refused', T, async () => {
    const token = await h.jwks.sign({ expiresIn: 2 });
    const c = open(`Bearer ${token}`, 10_000);
    const first = await run(c, { query: '{ echo { authorization } }' });
    expect(first.results[0]?.data).toEqual({ echo: { authorization: `Bearer ${token}` } });
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    const before = h.subgraph.calls.length;
    const later = await run(c, { query: '{ echo { authorization } }' });
    expect(later.error).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })]);
    expect(h.subgraph.calls.length).toBe(before);
  });

  it('refuses subscriptions it cannot serve, before subscribing', T, async () => {
    const token = await h.jwks.sign();
    const c = open(`Bearer ${token}`, 5_000);
    const ticks = await run(c, { query: 'subscription { ticks }' });
    expect(ticks.results).toHaveLength(0);
    expect(ticks.error).toEqual([expect.objectContaining({ message: expect.stringMatching(/"ticks" is not served/), extensions: { code: 'BAD_REQUEST' } })]);
    const unknown = await run(c, { query: 'subscription { myOrderUpdates { id secret } }' });
    expect(unknown.error).toEqual([expect.objectContaining({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
    const two = await run(c, { query: 'subscription { myOrderUpdates { id } orderUpdated(id: "o") { id } }' });
    expect(two.error).toEqual([expect.objectContaining({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: id`).join(' ');
    const tooMany = await run(c, { query: `subscription { myOrderUpdates { ${aliases} } }` });
    expect(tooMany.error).toEqual([expect.objectContaining({ message: expect.stringMatching(/Aliases limit of 15/) })]);
  });

  it('applies the limits to socket operations', T, async () => {
    const c = open();
    const deep = await run(c, { query: deepQuery(13) });
    expect(deep.results[0]?.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(deep.results[0]?.errors?.[0]?.message).toMatch(/depth limit of 12 exceeded/);
    const long = await run(c, { query: queryOfLength(10_001) });
    expect(long.error).toEqual([expect.objectContaining({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
    const syntax = await run(c, { query: '{ echo { ' });
    expect(syntax.error).toEqual([expect.objectContaining({ extensions: { code: 'GRAPHQL_PARSE_FAILED' } })]);
  });
});

describe('graphql-ws subscription seam and stop', () => {
  it('streams what a plugged-in subscription source yields, resolving fields through the gateway', T, async () => {
    // What the orders issue will do: take a root event, then run the client's selection as a query via execute().
    const source: SubscriptionSourceFactory = ({ execute }) => ({
      async subscribe(_request, context) {
        return (async function* () {
          for (let i = 0; i < 2; i++) yield await execute({ query: '{ echo { authorization } }' }, context);
        })();
      },
      async close() {},
    });
    const h = await startHarness({}, { subscriptions: source });
    const token = await h.jwks.sign();
    const c = client(h, `Bearer ${token}`);
    try {
      const { results, error } = await run(c, { query: 'subscription { ticks }' });
      expect(error).toBeUndefined();
      expect(results).toEqual([
        { data: { echo: { authorization: `Bearer ${token}` } } },
        { data: { echo: { authorization: `Bearer ${token}` } } },
      ]);
    } finally {
      await c.dispose();
      await h.stop();
    }
  });

  it('closes open sockets with 1001 on stop', { timeout: 30_000 }, async () => {
    const h = await startHarness();
    const socket = new WebSocket(wsUrl(h), 'graphql-transport-ws');
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
        socket.once('message', () => resolve()); // connection_ack
        socket.once('error', reject);
      });
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      await h.gateway.stop();
      expect(await closed).toBe(1001);
    } finally {
      socket.terminate();
      await h.stop();
    }
  });
});
