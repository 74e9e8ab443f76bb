// Number and text formatting shared by the terminal table, the HTML report and its charts (en-US, so output is the
// same on every machine).

const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 12345 → "12,345"; "—" for a missing or non-finite value. */
export function formatInt(n: number): string {
  return Number.isFinite(n) ? whole.format(n) : '—';
}

/** Milliseconds with precision where it matters: 0.42, 4.2, 42.0, 180, 1,204. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return whole.format(ms);
}

/** Requests per second: 8.4, 2,345. */
export function formatRps(rps: number): string {
  if (!Number.isFinite(rps)) return '—';
  return rps < 100 ? rps.toFixed(1) : whole.format(rps);
}

/** A ratio to a baseline: 0.48×, 1.00×, 13.3×, 120×. */
export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return '—';
  return `${r < 10 ? r.toFixed(2) : r < 100 ? r.toFixed(1) : whole.format(r)}×`;
}

/** An axis tick: as short as it can be (0.5, 1, 50, 1,000). */
export function formatTick(v: number): string {
  return Number(v.toPrecision(6)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

/** A fact or table cell: numbers get thousands separators, and up to two decimals (three below 1). */
export function formatValue(v: string | number): string {
  if (typeof v === 'string') return v;
  return Number.isInteger(v) ? formatInt(v) : v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) < 1 ? 3 : 2 });
}

/** An ISO time as "2025-06-01 14:03 UTC"; anything unparsable as given. */
export function formatTime(iso: string): string {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : `${t.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside HTML/SVG elements and double- or single-quoted attributes. */
export function escapeHtml(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => entities[c] ?? c);
}
