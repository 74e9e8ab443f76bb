// What every scenario of `npm run bench` produces: written to bench-results/<scenario>.json, printed as a table,
// and drawn in the report. One shape for all scenarios so the printer and the report serve each the same way.

/** Latency at a percentile, in milliseconds (p in [0, 100]; 100 is the maximum). */
export interface PercentilePoint {
  p: number;
  ms: number;
}

/** One measured target: the scenario's subject or one of its baselines, each run under the same load. */
export interface Series {
  /** Short label for tables and the chart legend, e.g. "Apollo gateway", "products subgraph (direct)". */
  label: string;
  /** True for the baselines the subject is compared with. */
  baseline: boolean;
  requests: number;
  errors: number;
  durationMs: number;
  /** Completed requests per second. */
  rps: number;
  /** Sorted by p; always holds 50, 95, 99 and 100. */
  percentiles: PercentilePoint[];
}

/** A target of the issue, checked against this run. */
export interface Check {
  name: string;
  /** What was measured, as printed. */
  actual: string;
  /** The target, as printed, e.g. "≥ 2,000/s". */
  target: string;
  pass: boolean;
}

export interface ScenarioResult {
  /** File name stem: drop, catalog, order-detail, memory. */
  scenario: string;
  title: string;
  /** ISO time the scenario started. */
  startedAt: string;
  /** The load: connections, duration, counts. */
  params: Record<string, string | number | boolean>;
  series: Series[];
  /** Extra figures that are not latency series (admitted, OUT_OF_STOCK, RSS per process…). */
  facts: Record<string, string | number>;
  /** Extra tables (memory per process), rows of cells; first row is the header. */
  tables?: { title: string; rows: (string | number)[][] }[];
  checks: Check[];
}

/** The machine and commit one run was made on; written once per run beside the scenarios. */
export interface RunInfo {
  startedAt: string;
  commit: string;
  node: string;
  cpus: string;
  cores: number;
  memoryGiB: number;
  /** "own stack on 4200–4205" or the --url given. */
  target: string;
}
