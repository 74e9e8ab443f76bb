// Latencies and counts of one load run, turned into the Series every report and table reads.
import type { HttpLoadResult } from './http-load.ts';
import { percentile } from './load.ts';
import type { Series } from './result.ts';

/** The percentiles each series keeps: enough points to draw its curve, and every figure the tables print. */
export const PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 100];

export function seriesOf(label: string, baseline: boolean, run: Pick<HttpLoadResult, 'latencies' | 'durationMs' | 'errors'>): Series {
  const sorted = [...run.latencies].sort((a, b) => a - b);
  return {
    label,
    baseline,
    requests: sorted.length,
    errors: run.errors,
    durationMs: run.durationMs,
    rps: (sorted.length * 1000) / run.durationMs,
    percentiles: PERCENTILES.map((p) => ({ p, ms: p === 100 ? (sorted.at(-1) ?? 0) : percentile(sorted, p) })),
  };
}

/** The latency of a series at percentile p (one of PERCENTILES). */
export function at(series: Series, p: number): number {
  const point = series.percentiles.find((x) => x.p === p);
  if (!point) throw new Error(`series ${series.label} has no p${p}`);
  return point.ms;
}
