// The hottest code of a V8 CPU profile (from `npm run bench -- --cpu-prof <dir>`): self time per function and per
// package, so a profile can be read in a terminal and quoted in a note.
// Shares are of the busy (non-idle) time; --last keeps only the profile's last seconds (the drop, not the start-up).
//   node tests/bench/profile-summary.ts <file.cpuprofile> [--top 25] [--last 20]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, last: { type: 'string' } } });
const top = Number(values.top);
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const idleId = profile.nodes.find((n) => n.callFrame.functionName === '(idle)')?.id;
// Keep the samples of the window asked for, and none of the idle ones.
const times: number[] = [];
profile.timeDeltas.reduce((t, d, i) => (times[i] = t + d), 0);
const from = values.last === undefined ? -Infinity : (times.at(-1) ?? 0) - Number(values.last) * 1e6;
const kept = profile.samples.map((id, i) => ({ id, us: profile.timeDeltas[i] ?? 0, t: times[i]! })).filter((s) => s.t >= from && s.id !== idleId);
const selfUs = new Map<number, number>();
for (const { id, us } of kept) selfUs.set(id, (selfUs.get(id) ?? 0) + us);
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

/** node_modules package, node: internals, V8 pseudo-frames, or the repo's own file. */
function owner(url: string, name: string): string {
  if (!url) return `(${name || 'anonymous'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:')) return 'node:internals';
  return url.replace(/^file:\/\/.*?\/(common|gateway|subgraphs|tests|scripts)\//, '$1/');
}

const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const keyOf = (id: number) => {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  return `${functionName || '(anonymous)'}  ${owner(url, functionName)}:${lineNumber + 1}`;
};
// Inclusive time: a sample counts once for every distinct function on its stack.
const inclusive = new Map<string, number>();
for (const { id: leaf, us } of kept) {
  const seen = new Set<string>();
  for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) seen.add(keyOf(id));
  for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + us);
}
const fns = new Map<string, number>();
const owners = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const who = owner(url, functionName);
  fns.set(`${functionName || '(anonymous)'}  ${who}:${lineNumber + 1}`, (fns.get(`${functionName || '(anonymous)'}  ${who}:${lineNumber + 1}`) ?? 0) + us);
  owners.set(who, (owners.get(who) ?? 0) + us);
}
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`);
};
console.log(`${positionals[0]}: ${(total / 1e6).toFixed(2)} s busy${values.last ? ` in the last ${values.last} s` : ''}`);
print('self time by package or file', owners);
print('self time by function', fns);
print('inclusive time by function', new Map([...inclusive].filter(([k]) => !k.startsWith('(root)'))));
