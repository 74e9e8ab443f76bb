// One read under the same fixed load against several targets, one after another: the subject and its baselines.
// Each target gets its own warm-up first (JIT, query-plan caches, pooled sockets), which is not measured.
import type { BenchContext } from './bench-context.ts';
import { graphqlOk, httpLoad } from './http-load.ts';
import type { Series } from './result.ts';
import { seriesOf } from './series.ts';

export interface Target {
  label: string;
  baseline: boolean;
  url: string;
  query: string;
  variables?: object;
  token?: string;
}

export async function compareTargets(ctx: BenchContext, targets: Target[]): Promise<Series[]> {
  const series: Series[] = [];
  for (const target of targets) {
    const body = JSON.stringify({ query: target.query, variables: target.variables ?? {} });
    const headers: Record<string, string> = target.token ? { authorization: `Bearer ${target.token}` } : {};
    const load = (durationMs: number) =>
      httpLoad({ url: target.url, connections: ctx.settings.readConnections, durationMs, body: () => body, headers: () => headers, check: graphqlOk });
    await load(ctx.settings.warmupMs);
    series.push(seriesOf(target.label, target.baseline, await load(ctx.settings.readDurationMs)));
  }
  return series;
}
