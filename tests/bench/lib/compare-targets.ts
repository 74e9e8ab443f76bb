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

/** The series, one per target, and why requests failed where any did (label → reason → count). */
export async function compareTargets(ctx: BenchContext, targets: Target[]): Promise<{ series: Series[]; errorReasons: Record<string, Record<string, number>> }> {
  const series: Series[] = [];
  const errorReasons: Record<string, Record<string, number>> = {};
  for (const target of targets) {
    const body = JSON.stringify({ query: target.query, variables: target.variables ?? {} });
    const headers: Record<string, string> = target.token ? { authorization: `Bearer ${target.token}` } : {};
    const load = (durationMs: number) =>
      httpLoad({ url: target.url, connections: ctx.settings.readConnections, durationMs, body: () => body, headers: () => headers, check: graphqlOk });
    await load(ctx.settings.warmupMs);
    const run = await load(ctx.settings.readDurationMs);
    series.push(seriesOf(target.label, target.baseline, run));
    if (run.errors) errorReasons[target.label] = run.errorReasons;
  }
  return { series, errorReasons };
}
