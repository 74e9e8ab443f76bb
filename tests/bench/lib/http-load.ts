// The in-process HTTP load generator of `npm run bench`: `connections` keep-alive sockets, each sending its next
// request as soon as the previous answer is in (closed loop), for a number of requests or a time. Exact latencies
// (hrtime, not a rounded histogram), a body per request (the drop sends 5,000 customers' own tokens), and a check of
// each answer so a GraphQL error inside a 200 counts as an error.
import { Pool } from 'undici';

export interface HttpLoadOptions {
  url: string;
  connections: number;
  /** Send exactly this many requests in all… */
  amount?: number;
  /** …or keep sending for this long. */
  durationMs?: number;
  /** The JSON body of request i. */
  body: (i: number) => string;
  headers?: (i: number) => Record<string, string>;
  /** null when answer i is right, else a short reason (counted as an error, and tallied by reason). `ms`: its latency. */
  check?: (i: number, status: number, body: string, ms: number) => string | null;
}

export interface HttpLoadResult {
  /** Milliseconds per completed request, in completion order. */
  latencies: number[];
  durationMs: number;
  errors: number;
  /** How many errors of each reason. */
  errorReasons: Record<string, number>;
}

interface Answer {
  status: number;
  body: string;
}

/** One POST on the pool: undici costs the load generator about half of what node:http's ClientRequest does. */
async function post(pool: Pool, path: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const res = await pool.request({ method: 'POST', path, headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.statusCode, body: await res.body.text() };
}

export async function httpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  if (options.amount === undefined && options.durationMs === undefined) throw new Error('httpLoad needs amount or durationMs');
  const url = new URL(options.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`benchmarks run against loopback only, not ${url.host}`);
  const pool = new Pool(url.origin, { connections: options.connections });
  const path = `${url.pathname}${url.search}`;
  const latencies: number[] = [];
  const errorReasons: Record<string, number> = {};
  let errors = 0;
  let next = 0;
  const start = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : start + options.durationMs;
  const more = () => (options.amount === undefined || next < options.amount) && performance.now() < deadline;
  const fail = (reason: string) => {
    errors++;
    errorReasons[reason] = (errorReasons[reason] ?? 0) + 1;
  };

  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (more()) {
        const i = next++;
        const body = options.body(i);
        const headers = options.headers?.(i) ?? {};
        const t = performance.now();
        try {
          const answer = await post(pool, path, body, headers);
          const ms = performance.now() - t;
          latencies.push(ms);
          const reason = answer.status === 200 ? (options.check?.(i, answer.status, answer.body, ms) ?? null) : `HTTP ${answer.status}`;
          if (reason !== null) fail(reason);
        } catch (error) {
          latencies.push(performance.now() - t);
          fail((error as NodeJS.ErrnoException).code ?? (error as Error).message);
        }
      }
    }),
  );
  const durationMs = performance.now() - start;
  await pool.destroy();
  return { latencies, durationMs, errors, errorReasons };
}

/** The check for a GraphQL answer: no `errors`, and `data` present. */
export function graphqlOk(_i: number, _status: number, body: string): string | null {
  const parsed = JSON.parse(body) as { data?: unknown; errors?: { extensions?: { code?: string }; message?: string }[] };
  if (parsed.errors?.length) return `GraphQL ${parsed.errors[0]!.extensions?.code ?? parsed.errors[0]!.message}`;
  return parsed.data ? null : 'no data';
}
