// The report's inline SVG charts: latency by percentile (one line per series, x on a "nines" scale) and horizontal
// bars (memory per process). Plain strings, no DOM; sizes are viewBox units and the SVG scales to its container.

import { escapeHtml as esc, formatMs, formatTick, formatValue } from './format.ts';
import type { Series } from './result.ts';

const SUBJECT_COLORS = ['#2563eb', '#ea580c', '#16a34a', '#db2777', '#7c3aed', '#0891b2'];
const BASELINE_COLORS = ['#64748b', '#0d9488', '#a16207', '#9333ea'];
const AXIS = '#94a3b8';
const GRID = '#e2e8f0';
const INK = '#475569';
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"';

/** One colour per series, in order: subjects from a bright palette, baselines from a muted one (drawn dashed). */
export function seriesColors(series: readonly Pick<Series, 'baseline'>[]): string[] {
  let subject = 0;
  let baseline = 0;
  return series.map((s) =>
    s.baseline
      ? (BASELINE_COLORS[baseline++ % BASELINE_COLORS.length] as string)
      : (SUBJECT_COLORS[subject++ % SUBJECT_COLORS.length] as string),
  );
}

/** Position of percentile p on the "nines" axis: -log10(1 - p/100), so 0→0, 90→1, 99→2, 99.9→3; Infinity at 100. */
export function nines(p: number): number {
  return p >= 100 ? Infinity : p <= 0 ? 0 : -Math.log10(1 - p / 100);
}

/** A step of 1, 2 or 5 × 10^k giving about `count` intervals over `range`. */
function niceStep(range: number, count: number): number {
  const raw = range / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

/** Ticks 0, step, 2·step … up to the first one ≥ max. */
function linearTicks(max: number, count = 5): number[] {
  const step = niceStep(max > 0 ? max : 1, count);
  const ticks = [0];
  while ((ticks.at(-1) as number) < max - 1e-9) ticks.push(Number((ticks.length * step).toPrecision(12)));
  if (ticks.length === 1) ticks.push(step);
  return ticks;
}

/** Ticks 1-2-5 × 10^k (only powers of ten beyond three decades) from the last one ≤ min to the first one ≥ max. */
function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const mantissas = hi - lo > 3 ? [1] : [1, 2, 5];
  const all: number[] = [];
  for (let k = lo; k <= hi; k++) for (const m of mantissas) all.push(Number((m * 10 ** k).toPrecision(12)));
  const first = all.findLastIndex((v) => v <= min);
  const last = all.findIndex((v) => v >= max);
  return all.slice(Math.max(0, first), last < 0 ? undefined : last + 1);
}

export interface YScale {
  log: boolean;
  ticks: number[];
  /** 0 at the first tick, 1 at the last. */
  at(ms: number): number;
}

/**
 * Linear from 0, unless the slowest point of any series is over 20× the subject's p50 (the first non-baseline
 * series): then a log scale, so the body of the distribution is not squashed flat by a few slow outliers.
 */
export function yScale(series: readonly Series[]): YScale {
  const all = series.flatMap((s) => s.percentiles.map((pt) => pt.ms));
  const max = Math.max(0, ...all);
  const subject = series.find((s) => !s.baseline) ?? series[0];
  const p50 = subject?.percentiles.find((pt) => pt.p === 50)?.ms ?? 0;
  const positive = all.filter((ms) => ms > 0);
  if (p50 > 0 && max > 20 * p50 && positive.length > 0) {
    const ticks = logTicks(Math.min(...positive), max);
    const [lo, hi] = [Math.log10(ticks[0] as number), Math.log10(ticks.at(-1) as number)];
    return { log: true, ticks, at: (ms) => (Math.log10(Math.max(ms, ticks[0] as number)) - lo) / (hi - lo || 1) };
  }
  const ticks = linearTicks(max);
  const top = ticks.at(-1) as number;
  return { log: false, ticks, at: (ms) => ms / top };
}

/** The percentiles marked on the x axis: 0, 50, 90, 99, 99.9 (and further nines if the data reach them), then max. */
export function xAxis(series: readonly Series[]): { ticks: { p: number; label: string }[]; at: (p: number) => number } {
  const finite = series.flatMap((s) => s.percentiles.map((pt) => nines(pt.p))).filter(Number.isFinite);
  const lastNine = Math.max(3, Math.ceil(Math.max(0, ...finite) - 1e-9));
  const end = lastNine + 1;
  const ticks = [
    { p: 0, label: '0' },
    { p: 50, label: '50' },
    ...Array.from({ length: lastNine }, (_, i) => {
      const p = 100 - 10 ** (1 - i);
      return { p, label: formatTick(p) };
    }),
    { p: 100, label: 'max' },
  ];
  return { ticks, at: (p) => Math.min(nines(p), end) / end };
}

const r1 = (v: number): number => Math.round(v * 10) / 10;

/** Latency by percentile: one line per series (baselines dashed), with axes, grid, point tooltips and a legend. */
export function latencyChart(series: readonly Series[]): string {
  const W = 880;
  const [left, right, top, plotH] = [64, W - 28, 16, 260];
  const bottom = top + plotH;
  const x = xAxis(series);
  const y = yScale(series);
  const px = (p: number): number => r1(left + x.at(p) * (right - left));
  const py = (ms: number): number => r1(bottom - y.at(ms) * plotH);
  const colors = seriesColors(series);
  const out: string[] = [];

  for (const t of y.ticks) {
    const yy = py(t);
    out.push(`<line x1="${left}" x2="${right}" y1="${yy}" y2="${yy}" stroke="${GRID}"/>`);
    out.push(`<text x="${left - 8}" y="${yy}" dy="0.32em" text-anchor="end">${esc(formatTick(t))}</text>`);
  }
  for (const t of x.ticks) {
    const xx = px(t.p);
    out.push(`<line x1="${xx}" x2="${xx}" y1="${top}" y2="${bottom}" stroke="${GRID}"/>`);
    out.push(`<text class="x-tick" x="${xx}" y="${bottom + 18}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  out.push(`<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="${AXIS}"/>`);
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="${AXIS}"/>`);
  out.push(`<text x="${(left + right) / 2}" y="${bottom + 40}" text-anchor="middle" fill="${INK}">percentile</text>`);
  const yTitle = y.log ? 'latency, ms (log scale)' : 'latency, ms';
  out.push(`<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="${INK}">${yTitle}</text>`);

  // Baselines first, so the subject is drawn on top.
  const order = series.map((_, i) => i).sort((a, b) => Number(series[b]?.baseline) - Number(series[a]?.baseline));
  for (const i of order) {
    const s = series[i] as Series;
    const color = colors[i] as string;
    const pts = s.percentiles.map((pt) => ({ ...pt, x: px(pt.p), y: py(pt.ms) }));
    const d = pts.map((pt, j) => `${j === 0 ? 'M' : 'L'}${pt.x} ${pt.y}`).join(' ');
    const dash = s.baseline ? ' stroke-dasharray="7 5"' : '';
    const width = s.baseline ? 2 : 2.75;
    out.push(
      `<path class="series" data-series="${i}" d="${d}" fill="none" stroke="${color}" stroke-width="${width}"` +
        ` stroke-linejoin="round" stroke-linecap="round"${dash}/>`,
    );
    for (const pt of pts) {
      const name = pt.p >= 100 ? 'max' : `p${formatTick(pt.p)}`;
      out.push(
        `<circle cx="${pt.x}" cy="${pt.y}" r="3.5" fill="#fff" stroke="${color}" stroke-width="2">` +
          `<title>${esc(s.label)} · ${name}: ${esc(formatMs(pt.ms))} ms</title></circle>`,
      );
    }
  }

  // Legend below the plot, items flowing left to right (label width estimated at 6.4 units a character).
  const legend: string[] = [];
  let [lx, ly] = [left, bottom + 66];
  series.forEach((s, i) => {
    const w = 34 + ([...s.label].length + (s.baseline ? 11 : 0)) * 6.4 + 22;
    if (lx > left && lx + w > right) [lx, ly] = [left, ly + 22];
    const dash = s.baseline ? ' stroke-dasharray="7 5"' : '';
    legend.push(
      `<g class="legend-item"><line x1="${lx}" x2="${lx + 26}" y1="${ly}" y2="${ly}" stroke="${colors[i]}"` +
        ` stroke-width="${s.baseline ? 2 : 2.75}"${dash}/>` +
        `<text x="${lx + 34}" y="${ly}" dy="0.32em">${esc(s.label)}` +
        `${s.baseline ? `<tspan fill="${AXIS}"> (baseline)</tspan>` : ''}</text></g>`,
    );
    lx += w;
  });
  const H = ly + 16;
  return (
    `<svg class="chart latency" viewBox="0 0 ${W} ${H}" role="img" aria-label="Latency by percentile" ${FONT}` +
    ` font-size="12" fill="#334155">\n${out.join('\n')}\n<g class="legend">${legend.join('')}</g>\n</svg>`
  );
}

export interface Bar {
  label: string;
  value: number;
}

/** Horizontal bars with value labels; an optional dashed limit line (bars over it are red). */
export function barChart(bars: readonly Bar[], opts: { axisLabel: string; unit?: string; limit?: number }): string {
  const W = 880;
  const [left, right, top, rowH, barH] = [190, W - 90, 30, 30, 18];
  const bottom = top + bars.length * rowH;
  const unit = opts.unit ? ` ${opts.unit}` : '';
  const max = Math.max(0, ...bars.map((b) => b.value), opts.limit ?? 0);
  const ticks = linearTicks(max * 1.05);
  const end = ticks.at(-1) as number;
  const px = (v: number): number => r1(left + (v / end) * (right - left));
  const out: string[] = [];

  for (const t of ticks) {
    const xx = px(t);
    out.push(`<line x1="${xx}" x2="${xx}" y1="${top - 6}" y2="${bottom}" stroke="${GRID}"/>`);
    out.push(`<text x="${xx}" y="${bottom + 18}" text-anchor="middle">${esc(formatTick(t))}</text>`);
  }
  out.push(`<text x="${(left + right) / 2}" y="${bottom + 40}" text-anchor="middle" fill="${INK}">${esc(opts.axisLabel)}</text>`);
  bars.forEach((b, i) => {
    const yy = top + i * rowH + (rowH - barH) / 2;
    const over = opts.limit !== undefined && b.value > opts.limit;
    out.push(`<text x="${left - 10}" y="${yy + barH / 2}" dy="0.32em" text-anchor="end">${esc(b.label)}</text>`);
    out.push(
      `<rect class="bar" x="${left}" y="${yy}" width="${Math.max(0, px(b.value) - left)}" height="${barH}" rx="3"` +
        ` fill="${over ? '#dc2626' : '#3b82f6'}"><title>${esc(b.label)}: ${esc(formatValue(b.value))}${esc(unit)}</title></rect>`,
    );
    out.push(
      `<text x="${px(b.value) + 6}" y="${yy + barH / 2}" dy="0.32em" fill="${INK}">${esc(formatValue(b.value))}${esc(unit)}</text>`,
    );
  });
  out.push(`<line x1="${left}" x2="${left}" y1="${top - 6}" y2="${bottom}" stroke="${AXIS}"/>`);
  if (opts.limit !== undefined) {
    const xx = px(opts.limit);
    out.push(`<line class="limit" x1="${xx}" x2="${xx}" y1="${top - 12}" y2="${bottom}" stroke="#dc2626" stroke-width="1.5" stroke-dasharray="5 4"/>`);
    out.push(`<text x="${xx}" y="${top - 16}" text-anchor="middle" fill="#dc2626">limit ${esc(formatValue(opts.limit))}${esc(unit)}</text>`);
  }
  return (
    `<svg class="chart bars" viewBox="0 0 ${W} ${bottom + 52}" role="img" aria-label="${esc(opts.axisLabel)}" ${FONT}` +
    ` font-size="12" fill="#334155">\n${out.join('\n')}\n</svg>`
  );
}
