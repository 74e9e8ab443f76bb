// The outputs of `npm run bench` made from the scenario results: a self-contained HTML report (inline CSS and SVG,
// nothing fetched) and the plain-text table printed to the terminal after each scenario.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { barChart, latencyChart, seriesColors } from './chart.ts';
import type { Bar } from './chart.ts';
import { escapeHtml as esc, formatInt, formatMs, formatRatio, formatRps, formatTime, formatValue } from './format.ts';
import type { Check, RunInfo, ScenarioResult, Series } from './result.ts';

/** Latency of `s` at percentile p (NaN if not measured). */
function at(s: Series, p: number): number {
  return s.percentiles.find((pt) => pt.p === p)?.ms ?? NaN;
}

/** p50 of `s` over p50 of the scenario's first baseline; undefined when there is no baseline. */
function vsBaseline(series: readonly Series[]): ((s: Series) => string) | undefined {
  const base = series.find((s) => s.baseline);
  if (!base) return undefined;
  const p50 = at(base, 50);
  return (s) => (p50 > 0 ? formatRatio(at(s, 50) / p50) : '—');
}

/** The bars of a scenario without series: first column of its first table as labels, first numeric column as values. */
function tableBars(result: ScenarioResult): { bars: Bar[]; header: string } | undefined {
  const [head, ...rows] = result.tables?.[0]?.rows ?? [];
  if (!head || rows.length === 0) return undefined;
  const isNum = (c: string | number | undefined): boolean => c !== undefined && c !== '' && Number.isFinite(Number(c));
  const col = head.findIndex((_, i) => i > 0 && rows.every((r) => isNum(r[i])));
  if (col < 0) return undefined;
  return { header: String(head[col]), bars: rows.map((r) => ({ label: String(r[0]), value: Number(r[col]) })) };
}

function limitOf(result: ScenarioResult): number | undefined {
  const v = result.params.limitMb;
  return v === undefined || v === '' || !Number.isFinite(Number(v)) ? undefined : Number(v);
}

// ── HTML ────────────────────────────────────────────────────────────────────────────────────────────────────────

const CSS = `
:root { --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --pass: #15803d; --pass-bg: #dcfce7; --fail: #b91c1c; --fail-bg: #fee2e2; }
* { box-sizing: border-box; }
body { margin: 0; background: #f1f5f9; color: var(--ink); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 32px 24px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 19px; margin: 0; letter-spacing: -0.01em; }
h3 { font-size: 12px; margin: 22px 0 8px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.06em; }
.sub { color: var(--muted); margin: 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 22px 26px; margin-top: 20px; box-shadow: 0 1px 2px rgb(15 23 42 / 4%); }
.meta { display: flex; flex-wrap: wrap; gap: 12px 40px; margin: 18px 0 0; }
.meta div, .facts div { min-width: 0; }
.meta dt, .facts dt { color: var(--muted); font-size: 12px; }
.meta dd, .facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.score { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 600; font-size: 13px; margin-left: 8px; vertical-align: 3px; }
.score.pass { background: var(--pass-bg); color: var(--pass); }
.score.fail { background: var(--fail-bg); color: var(--fail); }
ul.summary { list-style: none; margin: 12px 0 0; padding: 0; }
ul.summary li { display: grid; grid-template-columns: 22px minmax(160px, 2fr) 3fr; gap: 10px; padding: 6px 0; }
ul.summary li.first { border-top: 1px solid var(--line); }
ul.summary li:first-child { border-top: 0; }
ul.summary .scn, ul.summary a { color: var(--muted); }
a { text-decoration: none; }
a:hover { text-decoration: underline; }
.mark { font-weight: 700; text-align: center; }
.pass .mark { color: var(--pass); }
.fail .mark { color: var(--fail); }
.scenario-head { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.scenario-head .sub { font-size: 13px; }
.params { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 10px; }
.param { background: #f1f5f9; border-radius: 6px; padding: 2px 8px; font-size: 12.5px; }
.param .k { color: var(--muted); }
svg.chart { display: block; width: 100%; height: auto; margin-top: 18px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th { text-align: left; font-weight: 600; font-size: 12px; color: var(--muted); padding: 6px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td { padding: 7px 10px; border-bottom: 1px solid var(--line); }
tr:last-child td { border-bottom: 0; }
table.extra { width: auto; min-width: 50%; }
th.num, td.num { text-align: right; white-space: nowrap; }
tr.baseline td { color: #475569; }
.swatch { display: inline-block; width: 22px; height: 0; border-top: 3px solid; vertical-align: middle; margin-right: 8px; }
.swatch.dashed { border-top-style: dashed; border-top-width: 2px; }
.tag { font-size: 11px; color: var(--muted); border: 1px solid var(--line); border-radius: 4px; padding: 0 5px; margin-left: 6px; }
td.err { color: var(--fail); font-weight: 600; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 10px; margin: 0; }
.facts div { background: #f8fafc; border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
.facts dd { font-size: 16px; font-variant-numeric: tabular-nums; }
table.checks td:first-child { width: 28px; }
table.checks tr.fail td { background: #fef2f2; }
table.checks tr.fail td.name { color: var(--fail); font-weight: 600; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; text-align: center; }
`;

const num = (s: string): string => `<td class="num">${esc(s)}</td>`;

function renderSeriesTable(series: readonly Series[]): string {
  const ratio = vsBaseline(series);
  const colors = seriesColors(series);
  const head = ['requests', 'errors', 'rps', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', ...(ratio ? ['× baseline p50'] : [])];
  const rows = series.map((s, i) => {
    const swatch = `<span class="swatch${s.baseline ? ' dashed' : ''}" style="border-top-color:${colors[i]}"></span>`;
    const tag = s.baseline ? '<span class="tag">baseline</span>' : '';
    const errors = `<td class="num${s.errors > 0 ? ' err' : ''}">${esc(formatInt(s.errors))}</td>`;
    return (
      `<tr class="${s.baseline ? 'baseline' : 'subject'}"><td>${swatch}${esc(s.label)}${tag}</td>` +
      num(formatInt(s.requests)) + errors + num(formatRps(s.rps)) +
      [50, 95, 99, 100].map((p) => num(formatMs(at(s, p)))).join('') +
      (ratio ? num(ratio(s)) : '') +
      '</tr>'
    );
  });
  return (
    `<table class="series"><thead><tr><th>series</th>${head.map((h) => `<th class="num">${esc(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

function renderFacts(facts: ScenarioResult['facts']): string {
  const items = Object.entries(facts).map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(formatValue(v))}</dd></div>`);
  return items.length ? `<h3>Facts</h3><dl class="facts">${items.join('')}</dl>` : '';
}

function renderExtraTable(t: NonNullable<ScenarioResult['tables']>[number]): string {
  const [head = [], ...rows] = t.rows;
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const cell = (v: string | number | undefined, i: number, tag: 'td' | 'th'): string =>
    `<${tag}${numeric[i] ? ' class="num"' : ''}>${esc(v === undefined ? '' : formatValue(v))}</${tag}>`;
  return (
    `<h3>${esc(t.title)}</h3><table class="extra"><thead><tr>${head.map((h, i) => cell(h, i, 'th')).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${head.map((_, i) => cell(r[i], i, 'td')).join('')}</tr>`).join('')}</tbody></table>`
  );
}

function renderChecks(checks: readonly Check[]): string {
  if (checks.length === 0) return '';
  const rows = checks.map(
    (c) =>
      `<tr class="check ${c.pass ? 'pass' : 'fail'}"><td class="mark">${c.pass ? '✓' : '✗'}</td>` +
      `<td class="name">${esc(c.name)}</td><td class="num">${esc(c.actual)}</td><td class="num">${esc(c.target)}</td></tr>`,
  );
  return (
    '<h3>Checks</h3><table class="checks"><thead><tr><th></th><th>check</th><th class="num">actual</th>' +
    `<th class="num">target</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function renderChart(result: ScenarioResult): string {
  if (result.series.length > 0) return latencyChart(result.series);
  const t = tableBars(result);
  if (!t) return '';
  const unit = /\b(MB|MiB|GB|GiB|KB|ms)\b/.exec(t.header)?.[1];
  return barChart(t.bars, { axisLabel: t.header, unit, limit: limitOf(result) });
}

function score(checks: readonly Check[]): string {
  if (checks.length === 0) return '';
  const passed = checks.filter((c) => c.pass).length;
  return `<span class="score ${passed === checks.length ? 'pass' : 'fail'}">${passed} / ${checks.length} checks pass</span>`;
}

function renderScenario(r: ScenarioResult): string {
  const params = Object.entries(r.params)
    .map(([k, v]) => `<span class="param"><span class="k">${esc(k)}</span> ${esc(formatValue(typeof v === 'boolean' ? String(v) : v))}</span>`)
    .join('');
  return `<section class="card scenario" id="${esc(r.scenario)}">
<div class="scenario-head"><h2>${esc(r.title)}</h2><p class="sub"><code>${esc(r.scenario)}</code> · started ${esc(formatTime(r.startedAt))}</p>${score(r.checks)}</div>
${params ? `<div class="params">${params}</div>` : ''}
${renderChart(r)}
${r.series.length ? `<h3>Latency and throughput</h3>${renderSeriesTable(r.series)}` : ''}
${renderFacts(r.facts)}
${(r.tables ?? []).map(renderExtraTable).join('\n')}
${renderChecks(r.checks)}
</section>`;
}

/** Every check of the run, grouped by scenario (its title shown once, linking to its section). */
function renderSummary(scenarios: readonly ScenarioResult[]): string {
  const items = scenarios.flatMap((s) =>
    s.checks.map((c, i) => {
      const scenario = i === 0 ? `<a href="#${esc(s.scenario)}">${esc(s.title)}</a>` : '';
      return (
        `<li class="check ${c.pass ? 'pass' : 'fail'}${i === 0 ? ' first' : ''}"><span class="mark">${c.pass ? '✓' : '✗'}</span>` +
        `<span>${scenario}</span><span><b>${esc(c.name)}</b>: ${esc(c.actual)} <span class="scn">(target ${esc(c.target)})</span></span></li>`
      );
    }),
  );
  return `<section class="card"><h2>Checks${score(scenarios.flatMap((s) => s.checks))}</h2>
${items.length ? `<ul class="summary">${items.join('\n')}</ul>` : '<p class="sub">No checks in this run.</p>'}</section>`;
}

/** One self-contained HTML document: run header, all checks, then each scenario with its chart and tables. */
export function renderReport(run: RunInfo, scenarios: ScenarioResult[]): string {
  const meta: [string, string][] = [
    ['date', formatTime(run.startedAt)],
    ['commit', run.commit],
    ['node', run.node],
    ['cpus', `${run.cpus} (${run.cores} cores)`],
    ['memory', `${formatValue(run.memoryGiB)} GiB`],
    ['target', run.target],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Benchmark report · ${esc(formatTime(run.startedAt))}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header class="card">
<h1>Benchmark report</h1>
<p class="sub">${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'}: ${scenarios.map((s) => esc(s.title)).join(' · ')}</p>
<dl class="meta">${meta.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${k === 'commit' ? `<code>${esc(v)}</code>` : esc(v)}</dd></div>`).join('')}</dl>
</header>
${renderSummary(scenarios)}
${scenarios.map(renderScenario).join('\n')}
<footer>Latency lines: x is the percentile on a log scale of nines (0, 50, 90, 99, 99.9, …, max); baselines dashed.</footer>
</main>
</body>
</html>
`;
}

/** Writes `dir/report.html` (creating `dir`) and returns its path. */
export function writeReport(dir: string, run: RunInfo, scenarios: ScenarioResult[]): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'report.html');
  writeFileSync(path, renderReport(run, scenarios));
  return path;
}

// ── Terminal ────────────────────────────────────────────────────────────────────────────────────────────────────

const WIDTH = 120;
const len = (s: string): number => [...s].length;

/** `s` cut to `n` characters, ending in "…" when cut. */
function clip(s: string, n = WIDTH): string {
  return len(s) <= n ? s : `${[...s].slice(0, n - 1).join('')}…`;
}

/** Rows as aligned columns (two spaces apart); `right[i]` right-aligns column i; the first column is clipped to fit. */
function align(rows: readonly string[][], right: readonly boolean[], indent = '  '): string[] {
  const cols = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, i) => Math.max(0, ...rows.map((r) => len(r[i] ?? ''))));
  const rest = widths.slice(1).reduce((a, w) => a + w + 2, 0);
  widths[0] = Math.max(8, Math.min(widths[0] ?? 0, WIDTH - len(indent) - rest));
  return rows.map((r) => {
    const cells = widths.map((w, i) => {
      const c = i === 0 ? clip(r[i] ?? '', w) : (r[i] ?? '');
      const pad = ' '.repeat(Math.max(0, w - len(c)));
      return right[i] ? pad + c : c + pad;
    });
    return clip((indent + cells.join('  ')).trimEnd());
  });
}

/** Words joined by two spaces, wrapped at the terminal width. */
function wrap(words: readonly string[], indent = '  '): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && len(`${indent}${line}  ${w}`) > WIDTH) {
      lines.push(clip(indent + line));
      line = '';
    }
    line = line ? `${line}  ${w}` : w;
  }
  if (line) lines.push(clip(indent + line));
  return lines;
}

/** A scenario as plain text for the terminal: series (rps, latencies, errors, × baseline), facts, tables, checks. */
export function formatTable(result: ScenarioResult): string {
  const out = [clip(`${result.title}  [${result.scenario}]`)];
  out.push(...wrap(Object.entries(result.params).map(([k, v]) => `${k}=${typeof v === 'number' ? formatValue(v) : v}`)));
  if (result.series.length > 0) {
    const ratio = vsBaseline(result.series);
    const head = ['series', 'rps', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors', ...(ratio ? ['× base'] : [])];
    const rows = result.series.map((s) => [
      s.baseline ? `${s.label} (baseline)` : s.label,
      formatRps(s.rps),
      ...[50, 95, 99, 100].map((p) => formatMs(at(s, p))),
      formatInt(s.errors),
      ...(ratio ? [ratio(s)] : []),
    ]);
    out.push('', ...align([head, ...rows], head.map((_, i) => i > 0)));
  }
  const facts = Object.entries(result.facts).map(([k, v]) => [k, formatValue(v)]);
  if (facts.length > 0) out.push('', 'facts', ...align(facts, [false, true]));
  for (const t of result.tables ?? []) {
    const [head = [], ...rows] = t.rows;
    const right = head.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
    out.push('', clip(t.title), ...align(t.rows.map((r) => r.map(formatValue)), right));
  }
  if (result.checks.length > 0) {
    const rows = result.checks.map((c) => [`${c.pass ? '✓' : '✗'} ${c.name}`, c.actual, `target ${c.target}`]);
    out.push('', 'checks', ...align(rows, [false, true, false]));
  }
  return out.join('\n');
}
