// `npm test`: the whole suite. Static checks (types, lint), the schema check, unit + integration tests (real
// PostgreSQL, Redis, Kafka), then e2e through the gateway on one shared stack. Starts the local Kafka when none answers
// (and stops it again at the end). Ends with one line: "tests: N passed, N failed".
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../common/src/config.ts';
import { ensureKafka, stopKafka } from '../infra/kafka/broker.ts';
import { checkPrerequisites } from './lib/prerequisites.ts';
import { REPO_ROOT } from './lib/stack.ts';

interface StepResult {
  name: string;
  ok: boolean;
  seconds: number;
  passed: number;
  failed: number;
  skipped: number;
}

const results: StepResult[] = [];
const bin = (name: string) => join(REPO_ROOT, 'node_modules', '.bin', name);
const say = (msg: string) => process.stdout.write(`\n=== ${msg}\n`);

function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: 'inherit', env: process.env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function step(name: string, cmd: string, args: string[]): Promise<void> {
  say(name);
  const t0 = performance.now();
  const code = await run(cmd, args);
  results.push({ name, ok: code === 0, seconds: (performance.now() - t0) / 1000, passed: 0, failed: 0, skipped: 0 });
}

async function vitest(name: string, projects: string[]): Promise<void> {
  say(name);
  const out = join(mkdtempSync(join(tmpdir(), 'lc-vitest-')), 'report.json');
  const t0 = performance.now();
  const code = await run(bin('vitest'), [
    'run',
    ...projects.flatMap((p) => ['--project', p]),
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ]);
  let counts = { passed: 0, failed: 0, skipped: 0 };
  if (existsSync(out)) {
    const report = JSON.parse(readFileSync(out, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
    counts = { passed: report.numPassedTests, failed: report.numFailedTests, skipped: report.numPendingTests + report.numTodoTests };
  }
  results.push({ name, ok: code === 0, seconds: (performance.now() - t0) / 1000, ...counts });
}

const t0 = performance.now();
const config = loadConfig();
await checkPrerequisites(config);
const only = process.argv.slice(2);
const wants = (stage: string) => only.length === 0 || only.includes(stage);

if (wants('static')) {
  await step('types (tsc --noEmit)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  await step('lint (eslint)', bin('eslint'), ['.']);
}
if (wants('schema')) await step('schema check', process.execPath, ['scripts/schema-check.ts']);

const kafka = await ensureKafka({ brokers: config.kafkaBrokers.join(','), log: (m) => process.stdout.write(`${m}\n`) });
try {
  if (wants('unit') || wants('int')) await vitest('unit and integration tests', ['unit', 'int'].filter(wants));
  if (wants('e2e')) await vitest('e2e tests (whole stack through the gateway)', ['e2e']);
} finally {
  if (kafka.startedByUs && process.env.KEEP_KAFKA !== '1') await stopKafka();
}

say('summary');
for (const r of results) {
  const counts = r.passed + r.failed + r.skipped > 0 ? `  ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped` : '';
  process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.name.padEnd(46)} ${r.seconds.toFixed(1).padStart(6)} s${counts}\n`);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failedTests = results.reduce((n, r) => n + r.failed, 0);
const failedSteps = results.filter((r) => !r.ok).length;
process.stdout.write(`total time ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
process.stdout.write(`tests: ${passed} passed, ${failedTests + (failedTests === 0 ? failedSteps : 0)} failed\n`);
process.exit(failedSteps > 0 ? 1 : 0);
