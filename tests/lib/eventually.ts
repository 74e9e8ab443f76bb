// Polling for what happens asynchronously (the saga, projections), shared by e2e tests and benchmarks.

/** Polls until `check` passes (reads across services are eventually consistent: they meet through Kafka). */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, ms = 5_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, everyMs));
    value = await read();
  }
  return value;
}
