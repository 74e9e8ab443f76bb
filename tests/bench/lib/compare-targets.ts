// One read under the same fixed load against several targets, one after another: the subject and its baselines.
// Each target gets its own warm-up first (JIT, query-plan caches, pooled sockets), which is not measured.
import type { BenchContext } from './bench-context.ts';
import { cpuSnapshot, spentBetween } from './cpu-usage.ts';
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
export interface Comparison {
  series: Series[];
  errorReasons: Record<string, Record<string, number>>;
  /** CPU seconds per process during each target's measured run: [process, ...one column per target]. */
  cpu: (string | number)[][];
}

export async function compareTargets(ctx: BenchContext, targets: Target[]): Promise<Comparison> {
  const series: Series[] = [];
  const errorReasons: Record<string, Record<string, number>> = {};
  const processes = { ...ctx.pids(), 'bench (load generator)': process.pid };
  const spent: Map<string, number>[] = [];
  for (const target of targets) {
    const body = JSON.stringify({ query: target.query, variables: target.variables ?? {} });
    const headers: Record<string, string> = target.token ? { authorization: `Bearer ${target.token}` } : {};
    const load = (durationMs: number) =>
      httpLoad({ url: target.url, connections: ctx.settings.readConnections, durationMs, body: () => body, headers: () => headers, check: graphqlOk });
    await load(ctx.settings.warmupMs);
    const before = cpuSnapshot(processes);
    const run = await load(ctx.settings.readDurationMs);
    const after = cpuSnapshot(processes);
    spent.push(spentBetween(before, after));
    series.push(seriesOf(target.label, target.baseline, run));
    if (run.errors) errorReasons[target.label] = run.errorReasons;
  }
  const names = [...new Set(spent.flatMap((m) => [...m.keys()]))].filter((n) => spent.some((m) => (m.get(n) ?? 0) >= 0.05));
  names.sort((a, b) => (spent[0]!.get(b) ?? 0) - (spent[0]!.get(a) ?? 0));
  const cpu = [['process', ...targets.map((t) => t.label)], ...names.map((n) => [n, ...spent.map((m) => Math.round((m.get(n) ?? 0) * 100) / 100)])];
  return { series, errorReasons, cpu };
}
