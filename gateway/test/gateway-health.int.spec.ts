import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, startHarness, type Harness } from './support/harness.ts';

const T = { timeout: 15_000 };

interface Readiness {
  status: string;
  checks: { name: string; ok: boolean; error?: string }[];
}

describe('gateway health', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);

  afterAll(async () => {
    await h?.stop();
  }, 30_000);

  async function ready(): Promise<{ status: number; body: Readiness }> {
    const res = await fetch(`${h.origin}/health/ready`, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: (await res.json()) as Readiness };
  }

  it('is live', T, async () => {
    const res = await fetch(`${h.origin}/health/live`, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
  });

  it('is ready when Redis and every routed subgraph are ready, and not when the subgraph is not', T, async () => {
    const up = await ready();
    expect(up.status).toBe(200);
    expect(up.body.checks.map((c) => c.name).sort()).toEqual(['redis', 'subgraph:users']);

    h.subgraph.ready = false;
    const notReady = await ready();
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks.find((c) => c.name === 'subgraph:users')?.ok).toBe(false);
    h.subgraph.ready = true;

    await h.subgraph.down();
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.body.checks.find((c) => c.name === 'subgraph:users')?.ok).toBe(false);
    expect(down.body.checks.find((c) => c.name === 'redis')?.ok).toBe(true);

    await h.subgraph.up();
    expect((await ready()).status).toBe(200);
  });

  it('serves Prometheus metrics', T, async () => {
    const res = await fetch(`${h.origin}/metrics`, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/health\/ready"/);
  });
});

describe('gateway stop', () => {
  it('stops listening, and a second stop is harmless', { timeout: 30_000 }, async () => {
    const h = await startHarness();
    try {
      expect((await fetch(`${h.origin}/health/live`, { signal: AbortSignal.timeout(5_000) })).status).toBe(200);
      await h.gateway.stop();
      expect(h.gateway.server.listening).toBe(false);
      await expect(fetch(`${h.origin}/health/live`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
    } finally {
      await h.stop(); // stops the gateway again, then the fakes
    }
  });

  it('lets an in-flight query finish before it stops', { timeout: 30_000 }, async () => {
    const h = await startHarness();
    try {
      const inFlight = postGraphQL(h.url, { query: '{ slow(ms: 500) }' });
      await new Promise((resolve) => setTimeout(resolve, 100)); // the query has reached the subgraph
      const stopBegan = Date.now();
      const stopped = h.gateway.stop();
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ slow: 500 });
      await stopped;
      // The drained keep-alive connection is closed as soon as it is idle, not after the 10 s grace.
      expect(Date.now() - stopBegan).toBeLessThan(3_000);
      expect(h.gateway.server.listening).toBe(false);
    } finally {
      await h.stop();
    }
  });
});
