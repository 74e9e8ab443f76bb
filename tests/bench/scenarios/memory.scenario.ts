// Resident memory of every process of the stack (and of the peer gateway), at idle and right after the drop, read
// from /proc/<pid>/status (VmRSS: what the process holds in RAM, shared libraries included).
import { readFileSync } from 'node:fs';
import type { ScenarioResult } from '../lib/result.ts';

export const RSS_LIMIT_MB = 250;

export type RssSnapshot = Record<string, number | null>;

/** MB resident per named pid; null where the process is gone or /proc is not there. */
export function rssSnapshot(pids: Record<string, number | undefined>): RssSnapshot {
  const snapshot: RssSnapshot = {};
  for (const [name, pid] of Object.entries(pids)) snapshot[name] = pid === undefined ? null : rssMb(pid);
  return snapshot;
}

function rssMb(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Math.round(Number(kb) / 102.4) / 10;
  } catch {
    return null;
  }
}

/** V8 heap used and total (MB) of each service, from the prom-client figures its /metrics serves. */
export async function heapRows(metricsUrls: Record<string, string>): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [['process', 'V8 heap used (MB)', 'V8 heap total (MB)', 'external (MB)']];
  for (const [name, url] of Object.entries(metricsUrls)) {
    const text = await fetch(url, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text()).catch(() => '');
    const mb = (metric: string) => {
      const value = new RegExp(`^${metric}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1];
      return value === undefined ? 'n/a' : Math.round(Number(value) / 104857.6) / 10;
    };
    rows.push([name, mb('nodejs_heap_size_used_bytes'), mb('nodejs_heap_size_total_bytes'), mb('nodejs_external_memory_bytes')]);
  }
  return rows;
}

export function memoryResult(startedAt: string, idle: RssSnapshot, afterDrop: RssSnapshot, extra: { title: string; rows: (string | number)[][] }[] = []): ScenarioResult {
  const names = Object.keys(afterDrop);
  const rows: (string | number)[][] = [['process', 'RSS after the drop (MB)', 'RSS at idle (MB)', 'growth (MB)']];
  for (const name of names) {
    const after = afterDrop[name];
    const before = idle[name];
    rows.push([name, after ?? 'n/a', before ?? 'n/a', after != null && before != null ? Math.round((after - before) * 10) / 10 : 'n/a']);
  }
  const measured = names.filter((n) => afterDrop[n] != null);
  const worst = measured.reduce<string | null>((w, n) => (w === null || afterDrop[n]! > afterDrop[w]! ? n : w), null);
  return {
    scenario: 'memory',
    title: 'Memory: resident set of each process, at idle and right after the drop',
    startedAt,
    params: { limitMb: RSS_LIMIT_MB, processes: measured.length },
    series: [],
    facts: worst ? { 'largest after the drop': `${worst} ${afterDrop[worst]} MB` } : { note: 'no process ids: the stack was not started by this run' },
    tables: [{ title: 'Resident memory per process', rows }, ...extra],
    checks: measured.length
      ? [
          {
            name: `every process ≤ ${RSS_LIMIT_MB} MB after the drop`,
            actual: `${worst} ${afterDrop[worst!]} MB`,
            target: `≤ ${RSS_LIMIT_MB} MB`,
            pass: measured.every((n) => afterDrop[n]! <= RSS_LIMIT_MB),
          },
        ]
      : [],
  };
}
