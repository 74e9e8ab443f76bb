// A Hive Gateway (The Guild) over the same supergraph as our Apollo gateway, as a baseline for the gateway benchmarks.
// It runs in its own process (hive-gateway.main.ts), like each of our services, so the two gateways compete on equal
// terms: one Node process each, same subgraphs, same machine.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./hive-gateway.main.ts', import.meta.url));

export interface HiveGateway {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface HiveGatewayOptions {
  /** The supergraph to serve (e.g. the committed schema/supergraph.graphql). */
  supergraphSdl: string;
  /** Subgraph name (users, products, …) → URL, replacing each `@join__graph(url:)` of the SDL. */
  subgraphUrls: Record<string, string>;
  port: number;
  /** Where the child's output goes, line by line; default nowhere. */
  log?: (line: string) => void;
  readyTimeoutMs?: number;
}

/** The SDL with each named subgraph's routing URL replaced; throws if a name has no `@join__graph`. */
export function routeSupergraph(sdl: string, subgraphUrls: Record<string, string>): string {
  let routed = sdl;
  for (const [name, url] of Object.entries(subgraphUrls)) {
    const graph = new RegExp(`(@join__graph\\(name: "${name}", url: )"[^"]*"`);
    if (!graph.test(routed)) throw new Error(`no @join__graph for subgraph ${name} in the supergraph`);
    routed = routed.replace(graph, `$1${JSON.stringify(url)}`);
  }
  return routed;
}

/** Spawns Hive Gateway on 127.0.0.1:port and resolves once `{ __typename }` answers over POST at /graphql. */
export async function startHiveGateway(opts: HiveGatewayOptions): Promise<HiveGateway> {
  // Hive reads the routing URLs from the supergraph itself, so the rewritten SDL goes to a file the child loads.
  const dir = mkdtempSync(join(tmpdir(), 'lc-hive-'));
  const supergraphPath = join(dir, 'supergraph.graphql');
  writeFileSync(supergraphPath, routeSupergraph(opts.supergraphSdl, opts.subgraphUrls));

  const url = `http://127.0.0.1:${opts.port}/graphql`;
  const child = spawn(process.execPath, [ENTRY], {
    env: { ...process.env, HIVE_SUPERGRAPH_PATH: supergraphPath, HIVE_PORT: String(opts.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = opts.log ?? (() => undefined);
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', log);
  const exited = () => child.exitCode !== null || child.signalCode !== null;

  const stop = async () => {
    if (!exited()) {
      const gone = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const timeoutMs = opts.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  try {
    for (;;) {
      if (exited()) throw new Error(`Hive Gateway exited before it was ready (${child.signalCode ?? `code ${child.exitCode}`})`);
      if (Date.now() > deadline) throw new Error(`Hive Gateway not ready after ${timeoutMs} ms at ${url}: ${last}`);
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ __typename }' }),
          signal: AbortSignal.timeout(2_000),
        });
        const text = await res.text();
        if (res.ok && text.includes('"__typename":"Query"')) break;
        last = `${res.status} ${text}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid!, stop };
}
