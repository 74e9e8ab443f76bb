import type { Route } from './server.ts';
import { metricsText } from './metrics.ts';
import { sendJson } from './server.ts';

/** One dependency a service needs before it takes traffic (its database, Redis, Kafka, other services). */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck): Promise<{ name: string; ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { name: check.name, ok: true };
  } catch (error) {
    return { name: check.name, ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check in parallel: ready only when all pass. */
export async function readiness(checks: ReadinessCheck[]): Promise<{ ready: boolean; checks: Awaited<ReturnType<typeof runCheck>>[] }> {
  const results = await Promise.all(checks.map(runCheck));
  return { ready: results.every((r) => r.ok), checks: results };
}

/** `/health/live` (the process answers), `/health/ready` (its dependencies answer) and `/metrics`. */
export function healthRoutes(checks: () => ReadinessCheck[], isStopping: () => boolean = () => false): Route[] {
  return [
    { method: 'GET', path: '/health/live', handler: (_req, res) => sendJson(res, 200, { status: 'live' }) },
    {
      method: 'GET',
      path: '/health/ready',
      handler: async (_req, res) => {
        if (isStopping()) return sendJson(res, 503, { status: 'stopping', checks: [] });
        const result = await readiness(checks());
        sendJson(res, result.ready ? 200 : 503, { status: result.ready ? 'ready' : 'not ready', checks: result.checks });
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      handler: async (_req, res) => {
        const { contentType, body } = await metricsText();
        res.writeHead(200, { 'content-type': contentType }).end(body);
      },
    },
  ];
}
