import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadConfig, SUBGRAPHS, type Config, type ServiceName } from '../../common/src/config.ts';
import { formatLogLine } from './log-format.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The services this checkout has: every subgraph with a main.ts, then the gateway. */
export function availableServices(): ServiceName[] {
  const subgraphs = SUBGRAPHS.filter((name) => existsSync(`${REPO_ROOT}subgraphs/${name}/src/main.ts`));
  return [...subgraphs, 'gateway'];
}

/**
 * V8 flags of the subgraph processes (docker-compose.yml starts them with the same). V8 sizes the young generation by
 * the machine's memory, up to 64 MB semi-spaces here (24 GiB), and a subgraph's drop traffic filled it: 16 MB keeps
 * orders at ~200 MB after the drop instead of ~265 MB at no CPU cost `npm run bench` could tell from noise. Not the
 * gateway: its requests allocate more, and the same flag cost it 7–22 % more CPU per request
 * (tests/bench/gateway-overhead.bench.ts).
 */
export const SUBGRAPH_NODE_FLAGS = ['--max-semi-space-size=16'];

function entryOf(name: ServiceName): string {
  return name === 'gateway' ? `${REPO_ROOT}gateway/src/main.ts` : `${REPO_ROOT}subgraphs/${name}/src/main.ts`;
}

export interface StackOptions {
  /** Environment for every process (on top of this process's own). */
  env?: Record<string, string>;
  /** Where formatted log lines go; default stdout. */
  log?: (line: string) => void;
  color?: boolean;
  readyTimeoutMs?: number;
}

export interface Stack {
  config: Config;
  gatewayUrl: string;
  services: ServiceName[];
  /** The process id of a running service (for resident-memory readings), or undefined once it has exited. */
  pid(name: ServiceName): number | undefined;
  /** Sends a signal to one service (SIGKILL for crash tests) and waits until it has exited. */
  kill(name: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  /** Starts one service again and waits until it is ready. */
  restart(name: ServiceName): Promise<void>;
  /** SIGTERM to all (they drain and close), SIGKILL whatever is left after the grace period. */
  stop(): Promise<void>;
}

const NODE = process.execPath;

/**
 * glibc malloc settings for every service (an environment value of the same name wins). Without them, memory that
 * libuv's worker threads allocate (scrypt's 16 MB per password hash in users, zlib, TLS) stays in per-thread arenas
 * and in the heap once freed, because glibc raises its mmap threshold after the first large free: `npm run bench`
 * measured users at 389 MB resident after 2,000 registrations, and 246 MB with these. Also set in docker-compose.yml.
 */
export const MALLOC_TUNING = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };

async function waitReady(url: string, timeoutMs: number, alive: () => boolean, name: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`${name} exited before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} not ready after ${timeoutMs} ms at ${url}: ${last}`);
}

/** Runs every service as its own process with prefixed logs, and resolves once all of them are ready. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const env = { ...MALLOC_TUNING, ...process.env, ...options.env } as NodeJS.ProcessEnv;
  const config = loadConfig(env);
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const services = availableServices();
  const width = Math.max(...services.map((s) => s.length));
  const children = new Map<ServiceName, ChildProcess>();
  const readyTimeout = options.readyTimeoutMs ?? 60_000;

  const spawnService = (name: ServiceName): ChildProcess => {
    const child = spawn(NODE, [...(name === 'gateway' ? [] : SUBGRAPH_NODE_FLAGS), entryOf(name)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = name.padEnd(width);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream! }).on('line', (line) => log(formatLogLine(prefix, line, options.color ?? false)));
    }
    child.on('exit', (code, signal) => {
      if (children.get(name) === child) log(`${prefix} exited (${signal ?? `code ${code}`})`);
    });
    children.set(name, child);
    return child;
  };
  const alive = (name: ServiceName) => {
    const child = children.get(name);
    return !!child && child.exitCode === null && child.signalCode === null;
  };
  const readyUrl = (name: ServiceName) => `http://127.0.0.1:${config.ports[name]}/health/ready`;
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));

  const stop = async () => {
    const all = [...children.values()];
    for (const child of all) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => all.forEach((c) => c.kill('SIGKILL')), 30_000);
    await Promise.all(all.map(exited));
    clearTimeout(timer);
  };

  try {
    for (const name of services) spawnService(name);
    await Promise.all(services.map((name) => waitReady(readyUrl(name), readyTimeout, () => alive(name), name)));
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    config,
    gatewayUrl: `http://127.0.0.1:${config.ports.gateway}/graphql`,
    services,
    pid: (name) => (alive(name) ? children.get(name)!.pid : undefined),
    async kill(name, signal = 'SIGKILL') {
      const child = children.get(name);
      if (!child) throw new Error(`no service ${name}`);
      child.kill(signal);
      await exited(child);
    },
    async restart(name) {
      spawnService(name);
      await waitReady(readyUrl(name), readyTimeout, () => alive(name), name);
    },
    stop,
  };
}
