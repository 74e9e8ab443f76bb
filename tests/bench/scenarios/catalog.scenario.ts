// The federated catalog page: the contract's Products query, first 50, with inStock and availableQuantity (products,
// inventory; categories from products), at fixed concurrency for a fixed time. Baselines: the same page straight
// from the products subgraph without the inventory fields (what federation costs), and Hive Gateway serving the
// same supergraph over the same subgraphs (a peer gateway).
import { operation } from '../../lib/operations.ts';
import type { BenchContext } from '../lib/bench-context.ts';
import { compareTargets, type Comparison, type Target } from '../lib/compare-targets.ts';
import type { ScenarioResult } from '../lib/result.ts';
import { at } from '../lib/series.ts';

const DIRECT_PAGE = `query DirectProducts($first: Int) {
  products(first: $first) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name price { amount currencyCode } category { id name slug } maxPerCustomer } }
  }
}`;

export async function catalogScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const variables = { first: 50 };
  const targets: Target[] = [
    { label: 'Apollo gateway (ours)', baseline: false, url: ctx.stack.gatewayUrl, query: operation('Products'), variables },
    { label: 'products subgraph, direct, no inventory fields', baseline: true, url: ctx.stack.subgraphUrl('products'), query: DIRECT_PAGE, variables },
  ];
  if (ctx.hive) targets.push({ label: 'Hive Gateway (peer)', baseline: true, url: ctx.hive.url, query: operation('Products'), variables });
  const comparison = await compareTargets(ctx, targets);
  return readResult(ctx, startedAt, 'catalog', 'Federated catalog page: Products, first 50, with inStock and availableQuantity', comparison);
}

/** The result of a read scenario, with the targets: the peer's throughput, at most 2× the direct latency. */
export function readResult(
  ctx: BenchContext,
  startedAt: string,
  scenario: string,
  title: string,
  { series, errorReasons, cpu }: Comparison,
): ScenarioResult {
  const [ours, direct, hive] = series as [ScenarioResult['series'][0], ScenarioResult['series'][0], ScenarioResult['series'][0] | undefined];
  const errors = series.reduce((sum, s) => sum + s.errors, 0);
  const checks: ScenarioResult['checks'] = [{ name: 'errors', actual: String(errors), target: '0', pass: errors === 0 }];
  if (hive) {
    checks.push({ name: 'requests/s vs Hive Gateway', actual: `${ours.rps.toFixed(0)} vs ${hive.rps.toFixed(0)} (${(ours.rps / hive.rps).toFixed(2)}×)`, target: '≥ 1×', pass: ours.rps >= hive.rps });
  }
  const ratio = at(ours, 50) / at(direct, 50);
  checks.push({ name: 'p50 latency vs direct subgraph', actual: `${at(ours, 50).toFixed(1)} vs ${at(direct, 50).toFixed(1)} ms (${ratio.toFixed(2)}×)`, target: '≤ 2×', pass: ratio <= 2 });
  return {
    scenario,
    title,
    startedAt,
    params: { connections: ctx.settings.readConnections, 'seconds per target': ctx.settings.readDurationMs / 1000, 'warm-up seconds': ctx.settings.warmupMs / 1000 },
    series,
    facts: Object.fromEntries(Object.entries(errorReasons).map(([label, reasons]) => [`errors of ${label}`, JSON.stringify(reasons)])),
    tables: [{ title: `CPU seconds by process during each target's ${ctx.settings.readDurationMs / 1000} s`, rows: cpu }],
    checks,
  };
}
