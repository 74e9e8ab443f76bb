// The closed-loop load runner and percentile helper the small benchmark scripts share.

/** Runs `op(i)` for i in [0, n) with `concurrency` workers; returns elapsed ms and each op's latency. */
export async function runConcurrent(n: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<{ ms: number; latencies: number[] }> {
  const latencies: number[] = new Array(n);
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t = performance.now();
        await op(i);
        latencies[i] = performance.now() - t;
      }
    }),
  );
  return { ms: performance.now() - start, latencies };
}

/** The p-th percentile (nearest rank) of ascending `sorted`; 0 for an empty list. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
