import type { ReadinessCheck } from '@limitedcart/common';

/** Bounded below the common 2 s readiness timeout, so a hung subgraph reports its own error. */
const SUBGRAPH_HEALTH_TIMEOUT_MS = 1_500;

/** A subgraph is ready when its own `/health/ready` (same origin as its GraphQL URL) answers 200. */
export function subgraphReadiness(name: string, graphqlUrl: string): ReadinessCheck {
  const healthUrl = new URL('/health/ready', new URL(graphqlUrl).origin).href;
  return {
    name: `subgraph:${name}`,
    async check() {
      const response = await fetch(healthUrl, { signal: AbortSignal.timeout(SUBGRAPH_HEALTH_TIMEOUT_MS) });
      await response.body?.cancel();
      if (response.status !== 200) throw new Error(`${healthUrl} answered ${response.status}`);
    },
  };
}
