import { describe, expect, it } from 'vitest';
import { latencyChart, nines, xAxis, yScale } from './chart.ts';
import { formatTable, renderReport } from './report.ts';
import type { RunInfo, ScenarioResult, Series } from './result.ts';

function series(label: string, baseline: boolean, rps: number, pts: [number, number][], errors = 0): Series {
  return { label, baseline, requests: rps * 30, errors, durationMs: 30_000, rps, percentiles: pts.map(([p, ms]) => ({ p, ms })) };
}

const run: RunInfo = {
  startedAt: '2025-06-01T14:03:22Z',
  commit: 'abc1234',
  node: 'v24.9.0',
  cpus: 'Test CPU',
  cores: 8,
  memoryGiB: 32,
  target: 'own stack on 4200–4205',
};

const drop: ScenarioResult = {
  scenario: 'drop',
  title: 'Flash drop',
  startedAt: '2025-06-01T14:03:30Z',
  params: { connections: 200, note: '<b>bold</b>' },
  series: [
    series('Apollo gateway · placeOrder', false, 2412.6, [[50, 40], [90, 104], [95, 131], [99, 180], [99.9, 262], [100, 341]], 3),
    series('orders <script>alert(1)</script>', true, 4120, [[50, 20], [90, 39], [95, 51], [99, 77], [99.9, 121], [100, 160]]),
    series('HTTP echo', true, 21840, [[50, 2.2], [90, 4], [95, 5.2], [99, 9.8], [99.9, 18], [100, 31]]),
  ],
  facts: { admitted: 100, OUT_OF_STOCK: 1897 },
  checks: [
    { name: 'throughput', actual: '2,413/s', target: '≥ 2,000/s', pass: true },
    { name: 'p99 placeOrder', actual: '180 ms', target: '≤ 150 ms', pass: false },
  ],
};

const memory: ScenarioResult = {
  scenario: 'memory',
  title: 'Memory',
  startedAt: '2025-06-01T14:05:00Z',
  params: { limitMb: 250 },
  series: [],
  facts: {},
  tables: [
    {
      title: 'RSS per process',
      rows: [['process', 'RSS MB'], ['gateway', 182], ['users', 121], ['products', 134], ['inventory', 142], ['orders', 263], ['payments', 118]],
    },
  ],
  checks: [{ name: 'every process under 250 MB', actual: 'orders 263 MB', target: '≤ 250 MB', pass: false }],
};

/** The SVG elements of `html` with the given class (first class in the attribute). */
function svgs(html: string, cls: string): string[] {
  return [...html.matchAll(new RegExp(`<svg class="chart ${cls}"[\\s\\S]*?</svg>`, 'g'))].map((m) => m[0]);
}

describe('renderReport', () => {
  const html = renderReport(run, [drop, memory]);

  it('is one self-contained document: nothing loaded from elsewhere', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<(script|link|img)\b/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toContain('@import');
  });

  it('escapes text: a label holding <script> and a param holding <b> do not appear raw', () => {
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('orders &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt;');
  });

  it('shows the run header and every check in the summary', () => {
    expect(html).toContain('2025-06-01 14:03 UTC');
    expect(html).toContain('abc1234');
    expect(html).toContain('Test CPU (8 cores)');
    const summary = html.slice(html.indexOf('<ul class="summary">'), html.indexOf('</ul>'));
    for (const c of [...drop.checks, ...memory.checks]) expect(summary).toContain(c.name);
    expect(html).toContain('1 / 3 checks pass');
  });

  it('marks failing checks as failing and passing ones as passing', () => {
    const row = (name: string): string => {
      const m = new RegExp(`<tr class="check (pass|fail)">(?:(?!</tr>).)*${name}`).exec(html);
      return m?.[1] ?? 'missing';
    };
    expect(row('p99 placeOrder')).toBe('fail');
    expect(row('throughput')).toBe('pass');
    expect(row('every process under 250 MB')).toBe('fail');
    expect(html).toMatch(/<tr class="check fail"><td class="mark">✗<\/td>/);
  });

  it('puts each series in the table with the baselines tagged and p50 relative to the first baseline', () => {
    const table = html.slice(html.indexOf('<table class="series">'), html.indexOf('</table>', html.indexOf('<table class="series">')));
    expect(table).toContain('× baseline p50');
    expect(table.match(/<tr class="baseline">/g)).toHaveLength(2);
    expect(table).toContain('2.00×'); // 40 / 20
    expect(table).toContain('1.00×');
    expect(table).toContain('2,413');
  });

  it('draws one latency chart per scenario with series, and bars for the memory scenario', () => {
    expect(svgs(html, 'latency')).toHaveLength(1);
    const [bars] = svgs(html, 'bars');
    expect(bars).toBeDefined();
    expect(bars?.match(/<rect class="bar"/g)).toHaveLength(6);
    expect(bars).toContain('class="limit"');
    expect(bars).toContain('limit 250 MB');
    expect(bars).toMatch(/fill="#dc2626"><title>orders: 263 MB/); // over the limit: red
  });

  it('draws no limit line when the scenario has no limitMb', () => {
    const page = renderReport(run, [{ ...memory, params: {} }]);
    expect(svgs(page, 'bars')[0]).not.toContain('class="limit"');
  });
});

describe('latencyChart', () => {
  const svg = latencyChart(drop.series);

  it('has one path per series and every label in the legend', () => {
    expect(svg.match(/<path /g)).toHaveLength(drop.series.length);
    const legend = /<g class="legend">([\s\S]*?)<\/g>\n/.exec(svg)?.[1] ?? '';
    expect(legend.match(/class="legend-item"/g)).toHaveLength(3);
    expect(legend).toContain('Apollo gateway · placeOrder');
    expect(legend).toContain('orders &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(legend).toContain('HTTP echo');
  });

  it('draws baselines dashed and the subject solid', () => {
    const paths = [...svg.matchAll(/<path class="series" data-series="(\d)"[^>]*>/g)];
    for (const [tag, i] of paths) expect(tag.includes('stroke-dasharray')).toBe(drop.series[Number(i)]?.baseline);
  });

  it('places points left to right as the percentile grows, on the nines scale', () => {
    for (const [, d] of svg.matchAll(/ d="([^"]+)"/g)) {
      const xs = [...(d as string).matchAll(/[ML]([\d.]+) /g)].map((m) => Number(m[1]));
      expect(xs).toHaveLength(6);
      for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThan(xs[i - 1] as number);
    }
    expect(nines(0)).toBe(0);
    expect(nines(90)).toBeCloseTo(1);
    expect(nines(99)).toBeCloseTo(2);
    expect(nines(99.9)).toBeCloseTo(3);
    const x = xAxis(drop.series);
    expect(x.ticks.map((t) => t.label)).toEqual(['0', '50', '90', '99', '99.9', 'max']);
    const positions = x.ticks.map((t) => x.at(t.p));
    expect(positions[0]).toBe(0);
    expect(positions.at(-1)).toBe(1);
    expect(positions[4]).toBeCloseTo(0.75); // 99.9 at three nines of four
  });

  it('keeps a linear y axis from 0 unless the slowest point exceeds 20× the subject p50', () => {
    const linear = yScale(drop.series); // max 341 < 20 × 40
    expect(linear.log).toBe(false);
    expect(linear.ticks[0]).toBe(0);
    expect(linear.ticks.at(-1)).toBeGreaterThanOrEqual(341);
    const spiky = [series('s', false, 1, [[50, 5], [99, 48], [100, 512]]), series('b', true, 1, [[50, 1.9], [100, 80]])];
    const log = yScale(spiky);
    expect(log.log).toBe(true);
    expect(log.ticks[0]).toBeLessThanOrEqual(1.9);
    expect(log.ticks.at(-1)).toBeGreaterThanOrEqual(512);
    expect(log.at(log.ticks[0] as number)).toBeCloseTo(0);
    expect(log.at(log.ticks.at(-1) as number)).toBeCloseTo(1);
    expect(latencyChart(spiky)).toContain('(log scale)');
  });
});

describe('formatTable', () => {
  const text = formatTable(drop);
  const lines = text.split('\n');

  it('prints rps and p50/p95/p99/max formatted on the series row, with × baseline', () => {
    const row = lines.find((l) => l.includes('Apollo gateway · placeOrder')) ?? '';
    expect(row.split(/\s{2,}/).slice(2)).toEqual(['2,413', '40.0', '131', '180', '341', '3', '2.00×']);
    expect(lines.find((l) => l.includes('HTTP echo'))).toMatch(/21,840\s+2\.2\s+5\.2\s+9\.8\s+31\.0\s+0\s+0\.11×$/);
  });

  it('lists facts and checks with ✓/✗', () => {
    expect(text).toMatch(/OUT_OF_STOCK\s+1,897/);
    expect(text).toMatch(/✓ throughput\s+2,413\/s\s+target ≥ 2,000\/s/);
    expect(text).toMatch(/✗ p99 placeOrder\s+180 ms\s+target ≤ 150 ms/);
  });

  it('keeps every line within 120 characters, even for a very long label', () => {
    const long = { ...drop, series: [{ ...(drop.series[0] as Series), label: 'x'.repeat(300) }, ...drop.series.slice(1)] };
    for (const l of formatTable(long).split('\n')) expect([...l].length).toBeLessThanOrEqual(120);
    expect(formatTable(long)).toContain('2,413');
  });

  it('prints the extra tables of a scenario without series', () => {
    expect(formatTable(memory)).toMatch(/orders\s+263/);
  });
});
