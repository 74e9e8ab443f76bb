/**
 * A bounded in-process map whose entries lapse at a time of their own: for values that may be reused for a short
 * while and then must be read again (verified tokens, projection rows). Past `maxEntries`, the oldest entries go:
 * lapsed ones first, then live ones.
 */
export class ExpiringMap<K, V> {
  readonly #entries = new Map<K, { value: V; until: number }>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  /** The value while it is live at `now`; undefined once it lapsed or was never set. */
  get(key: K, now = Date.now()): V | undefined {
    const entry = this.#entries.get(key);
    return entry && entry.until > now ? entry.value : undefined;
  }

  /** Keeps `value` until the time `until` (ms since the epoch). */
  set(key: K, value: V, until: number, now = Date.now()): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      // From the oldest: lapsed entries go, and the first live one stops the sweep (amortised O(1) per set; a full
      // scan per set cost ~70 µs at 10,000 entries, on every new token of a drop). Then the oldest live one if needed.
      for (const [k, e] of this.#entries) {
        if (e.until > now) break;
        this.#entries.delete(k);
      }
      if (this.#entries.size >= this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#entries.set(key, { value, until });
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
