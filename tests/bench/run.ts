// `npm run bench`: the drop, the federated catalog page, order detail and memory, each against baselines measured in
// the same run. Prints a table per scenario and writes bench-results/<scenario>.json and bench-results/report.html.
//   npm run bench [-- --url http://127.0.0.1:4000/graphql] [--scenarios drop,catalog,order-detail,memory]
//                 [--customers 5000] [--units 500] [--connections 200] [--read-connections 16] [--seconds 10]
//                 [--no-hive] [--time-limit 540] [--cpu-prof <dir>]
// Loopback only; without --url it starts its own stack (ports 4200–4205, Hive Gateway on 4206) and drops what it
// made at the end. With --url it uses that stack's public endpoints (subgraphs on the ports of this environment's
// config, ADMIN_EMAIL/ADMIN_PASSWORD from the environment) and cannot read the processes' memory.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import type { ServiceName } from '../../common/src/config.ts';
import { REPO_ROOT } from '../../scripts/lib/stack.ts';
import { eventually } from '../lib/eventually.ts';
import { createProduct, gqlClient, login, progress, registerCustomers, stockOf } from './lib/bench-client.ts';
import type { BenchContext, BenchSettings } from './lib/bench-context.ts';
import { openBenchStack } from './lib/bench-stack.ts';
import { cpuRows, cpuSnapshot } from './lib/cpu-usage.ts';
import { startHiveGateway, type HiveGateway } from './lib/hive-gateway.ts';
import { runConcurrent } from './lib/load.ts';
import { prepareCustomers } from './lib/prepared-customers.ts';
import { formatTable, writeReport } from './lib/report.ts';
import type { RunInfo, ScenarioResult } from './lib/result.ts';
import { catalogScenario } from './scenarios/catalog.scenario.ts';
import { dropScenario } from './scenarios/drop.scenario.ts';
import { heapRows, memoryResult, rssSnapshot, type RssSnapshot } from './scenarios/memory.scenario.ts';
import { orderDetailScenario } from './scenarios/order-detail.scenario.ts';

const SCENARIOS = ['drop', 'catalog', 'order-detail', 'memory'];
const HIVE_PORT = 4206;
const CATALOG_SIZE = 60;
const IDLE_CPU_MS = 5_000;
/** Customers whose tokens only warm the stack up (the drop's warm-up), so every measured token is new to it. */
const WARM_UP_CUSTOMERS = 1_000;

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    scenarios: { type: 'string', default: SCENARIOS.join(',') },
    customers: { type: 'string', default: '5000' },
    units: { type: 'string', default: '500' },
    connections: { type: 'string', default: '200' },
    'read-connections': { type: 'string', default: '16' },
    seconds: { type: 'string', default: '10' },
    'no-hive': { type: 'boolean', default: false },
    'time-limit': { type: 'string', default: '540' },
    out: { type: 'string', default: `${REPO_ROOT}bench-results` },
    // Each service of the own stack writes a V8 CPU profile into this folder when it stops (open it in Chrome
    // DevTools or speedscope; tests/bench/profile-summary.ts prints the hottest functions and packages).
    'cpu-prof': { type: 'string' },
  },
});
const chosen = values.scenarios.split(',').map((s) => s.trim());
for (const s of chosen) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}; choose from ${SCENARIOS.join(', ')}`);
const settings: BenchSettings = {
  customers: Number(values.customers),
  units: Number(values.units),
  dropConnections: Number(values.connections),
  readConnections: Number(values['read-connections']),
  readDurationMs: Number(values.seconds) * 1000,
  warmupMs: 2_000,
};
const limit = setTimeout(() => {
  console.error(`time limit of ${values['time-limit']} s reached: stopping`);
  process.exit(1);
}, Number(values['time-limit']) * 1000);
limit.unref();

const step = (text: string) => process.stderr.write(`• ${text}\n`);
const runId = randomBytes(4).toString('hex');
const info: RunInfo = {
  startedAt: new Date().toISOString(),
  commit: gitCommit(),
  node: process.version,
  cpus: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  target: values.url ?? 'own stack on 127.0.0.1:4200–4205',
};

step(values.url ? `using the stack at ${values.url}` : 'starting the stack (Kafka if needed, five subgraphs, gateway)');
const profileEnv = values['cpu-prof'] ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${values['cpu-prof']}` } : undefined;
const stack = await openBenchStack({ url: values.url, env: profileEnv });
let hive: HiveGateway | null = null;
const results: ScenarioResult[] = [];
try {
  const needsReads = chosen.includes('catalog') || chosen.includes('order-detail');
  if (needsReads && !values['no-hive']) {
    step(`starting Hive Gateway on 127.0.0.1:${HIVE_PORT} over the same subgraphs`);
    hive = await startHiveGateway({
      supergraphSdl: readFileSync(`${REPO_ROOT}schema/supergraph.graphql`, 'utf8'),
      subgraphUrls: Object.fromEntries((['users', 'products', 'inventory', 'orders', 'payments'] as const).map((s) => [s, stack.subgraphUrl(s)])),
      port: HIVE_PORT,
    });
  }
  const gql = gqlClient(stack.gatewayUrl);
  const adminToken = await login(gql, stack.admin.email, stack.admin.password);

  step(`creating ${CATALOG_SIZE} products with stock`);
  const made = progress('products', CATALOG_SIZE);
  const catalog: string[] = new Array(CATALOG_SIZE);
  let count = 0;
  await runConcurrent(CATALOG_SIZE, 4, async (i) => {
    catalog[i] = await createProduct(gql, adminToken, { name: `Bench item ${runId}-${i}`, price: `${10 + (i % 40)}.00`, initialStock: 10_000 });
    made(++count);
  });
  await eventually(() => stockOf(gql, adminToken, catalog.at(-1)!), (s) => s?.available === 10_000, 30_000, 100);

  const needsCustomers = chosen.includes('drop') || chosen.includes('order-detail') || chosen.includes('memory');
  // Own stack: rows straight into users' database and locally minted tokens, checked through the gateway
  // (prepared-customers.ts). A running stack (--url): one `register` per customer, as before.
  const prepared = needsCustomers ? settings.customers + WARM_UP_CUSTOMERS : 0;
  step(needsCustomers ? `preparing ${prepared} customers (${WARM_UP_CUSTOMERS} of them for warming up; not timed)` : 'no customers needed');
  const prepare = () => (stack.users ? prepareCustomers(gql, stack.users, prepared, runId) : registerCustomers(gql, prepared, 8, runId));
  const prepStart = performance.now();
  const everyone = needsCustomers ? await prepare() : [];
  if (needsCustomers) step(`${everyone.length} customers ready in ${((performance.now() - prepStart) / 1000).toFixed(1)} s`);
  const customers = everyone.slice(0, settings.customers);
  const warmUpCustomers = everyone.slice(settings.customers);
  const pids = () => ({ ...stack.pids(), ...(hive ? { 'hive-gateway (peer)': hive.pid } : {}) });
  const ctx: BenchContext = { stack, gql, adminToken, customers, warmUpCustomers, catalog, hive, pids, run: runId, settings };

  // Idle: every consumer connected and nothing to do. Resident memory, and CPU over a few seconds.
  await new Promise((r) => setTimeout(r, 2_000));
  const idleCpuStart = cpuSnapshot(pids());
  await new Promise((r) => setTimeout(r, IDLE_CPU_MS));
  const idleCpu = cpuRows(idleCpuStart, cpuSnapshot(pids()), IDLE_CPU_MS);
  const idle: RssSnapshot = rssSnapshot(pids());
  const memoryStart = new Date().toISOString();

  const record = (result: ScenarioResult) => {
    results.push(result);
    console.log(`\n${formatTable(result)}`);
  };
  if (chosen.includes('drop') || chosen.includes('memory')) {
    step(`the drop: ${settings.customers} × placeOrder, ${settings.dropConnections} in flight, after its baselines`);
    const drop = await dropScenario(ctx);
    if (chosen.includes('drop')) record(drop);
    if (chosen.includes('memory')) {
      const afterDrop = rssSnapshot(pids());
      const metrics = Object.fromEntries(Object.keys(stack.pids()).map((name) => [name, `http://127.0.0.1:${stack.config.ports[name as ServiceName]}/metrics`]));
      const heap = { title: 'V8 heap of each service right after the drop (its /metrics)', rows: await heapRows(metrics) };
      record(memoryResult(memoryStart, idle, afterDrop, [heap, { title: `CPU at idle over ${IDLE_CPU_MS / 1000} s, by process`, rows: idleCpu }]));
    }
  }
  if (chosen.includes('catalog')) {
    step(`catalog page: ${settings.readConnections} connections, ${values.seconds} s per target`);
    record(await catalogScenario(ctx));
  }
  if (chosen.includes('order-detail')) {
    step(`order detail: ${settings.readConnections} connections, ${values.seconds} s per target`);
    record(await orderDetailScenario(ctx));
  }

  mkdirSync(values.out, { recursive: true });
  writeFileSync(`${values.out}/run.json`, `${JSON.stringify(info, null, 2)}\n`);
  for (const result of results) writeFileSync(`${values.out}/${result.scenario}.json`, `${JSON.stringify(result, null, 2)}\n`);
  const report = writeReport(values.out, info, results);
  const failed = results.flatMap((r) => r.checks.filter((c) => !c.pass).map((c) => `${r.scenario}: ${c.name} ${c.actual} (target ${c.target})`));
  console.log(`\nwrote ${values.out}/{${results.map((r) => r.scenario).join(',')}}.json and ${report}`);
  console.log(failed.length ? `targets missed:\n  ${failed.join('\n  ')}` : 'every target met');
} finally {
  step('stopping');
  await hive?.stop();
  await stack.stop();
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
