// CPU seconds each process spent during a phase, read from /proc (utime + stime), so a scenario can say where the
// machine's two cores went: each service, the load generator itself, PostgreSQL, Redis and Kafka (summed over their
// processes). Linux only; elsewhere the snapshot is empty.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export type CpuSnapshot = Map<string, number>;

const INFRA: [RegExp, string][] = [
  [/^postgres/, 'postgresql'],
  [/^redis-server/, 'redis'],
  [/^java$/, 'kafka (jvm)'],
];

function ticks(pid: number): { comm: string; ticks: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    return { comm, ticks: Number(fields[11]) + Number(fields[12]) }; // utime, stime (fields 14 and 15 of stat)
  } catch {
    return null;
  }
}

/** CPU seconds so far per named pid, plus PostgreSQL, Redis and Kafka by process name. */
export function cpuSnapshot(named: Record<string, number | undefined>): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  const add = (name: string, t: number) => snapshot.set(name, (snapshot.get(name) ?? 0) + t / TICKS_PER_SECOND);
  const known = new Set<number>();
  for (const [name, pid] of Object.entries(named)) {
    if (pid === undefined) continue;
    known.add(pid);
    const t = ticks(pid);
    if (t) add(name, t.ticks);
  }
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return snapshot;
  }
  for (const dir of pids) {
    const pid = Number(dir);
    if (known.has(pid)) continue;
    const t = ticks(pid);
    const group = t && INFRA.find(([re]) => re.test(t.comm))?.[1];
    // Per pid, so a PostgreSQL backend that exits between two snapshots does not subtract its whole life.
    if (t && group) add(`${group}#${pid}`, t.ticks);
  }
  return snapshot;
}

/** Rows [name, CPU s, share of the elapsed time's cores] of what each process spent between two snapshots. */
export function cpuRows(before: CpuSnapshot, after: CpuSnapshot, elapsedMs: number): (string | number)[][] {
  const rows = [...spentBetween(before, after)].filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1]);
  return [
    ['process', 'CPU seconds', '% of one core'],
    ...rows.map(([name, s]) => [name, Math.round(s * 100) / 100, Math.round((s * 100_000) / elapsedMs)]),
  ];
}

/** Processes that are not the system under test: their CPU is shown, never charged to it. */
export const NOT_THE_SYSTEM = ['bench (load generator)', 'hive-gateway (peer)'];

/**
 * CPU milliseconds per operation between two snapshots: every process of the system (not the load generator nor a
 * peer) together, and each one (rows [process, CPU s, % of one core, ms per operation]).
 */
export function cpuPerOperation(before: CpuSnapshot, after: CpuSnapshot, elapsedMs: number, operations: number): { totalMs: number; rows: (string | number)[][] } {
  const spent = [...spentBetween(before, after)].filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1]);
  const per = (s: number) => Math.round((s * 1_000_000) / operations) / 1000;
  const system = spent.filter(([name]) => !NOT_THE_SYSTEM.includes(name)).reduce((sum, [, s]) => sum + s, 0);
  return {
    totalMs: (system * 1000) / operations,
    rows: [
      ['process', 'CPU seconds', '% of one core', 'CPU ms per decision'],
      ...spent.map(([name, s]) => [name, Math.round(s * 100) / 100, Math.round((s * 100_000) / elapsedMs), NOT_THE_SYSTEM.includes(name) ? '(not counted)' : per(s)]),
      ['all of the system', Math.round(system * 100) / 100, Math.round((system * 100_000) / elapsedMs), per(system)],
    ],
  };
}

/** CPU seconds per process (infrastructure summed over its pids) between two snapshots. */
export function spentBetween(before: CpuSnapshot, after: CpuSnapshot): Map<string, number> {
  const spent = new Map<string, number>();
  for (const [key, seconds] of after) {
    const name = key.replace(/#\d+$/, '');
    spent.set(name, (spent.get(name) ?? 0) + seconds - (before.get(key) ?? 0));
  }
  return spent;
}
