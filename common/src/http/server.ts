import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { correlationIdFrom, CORRELATION_HEADER, type Logger, withCorrelationId } from '../logger.ts';
import { httpDuration } from './metrics.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void> | void;

export interface Route {
  method: 'GET' | 'POST' | 'OPTIONS';
  path: string;
  handler: RouteHandler;
}

export interface HttpServerOptions {
  logger: Logger;
  routes: Route[];
  maxBodyBytes?: number;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

/** A GraphQL-shaped error body for failures before GraphQL runs (bad JSON, body too large, unknown route). */
export function sendRequestError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The one HTTP server every process uses: exact-path routing, a body limit (413), a correlation id on every request
 * (taken from the caller or made here, echoed back), request metrics, and bounded timeouts.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const routes = new Map(options.routes.map((r) => [`${r.method} ${r.path}`, r]));
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routes.get(`${req.method} ${path}`);
    const correlationId = correlationIdFrom(req.headers[CORRELATION_HEADER]);
    req.headers[CORRELATION_HEADER] = correlationId;
    res.setHeader(CORRELATION_HEADER, correlationId);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      httpDuration.observe({ route: route?.path ?? 'unmatched', method: req.method ?? '', status: String(res.statusCode) }, seconds);
    });
    withCorrelationId(correlationId, async () => {
      try {
        if (!route) {
          const known = options.routes.some((r) => r.path === path);
          return sendRequestError(res, known ? 405 : 404, known ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND', known ? 'Method not allowed' : 'Not found');
        }
        const body = req.method === 'POST' ? await readBody(req, limit) : Buffer.alloc(0);
        await route.handler(req, res, body);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          res.setHeader('connection', 'close');
          return sendRequestError(res, 413, 'PAYLOAD_TOO_LARGE', `Request body is larger than ${limit} bytes`);
        }
        options.logger.error({ err: error, path }, 'request failed');
        if (!res.headersSent) sendRequestError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
        else res.end();
      }
    });
  });
  // Bounded: slow clients cannot hold sockets forever; keep-alive outlives typical proxy idle timeouts.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  server.keepAliveTimeout = 65_000;
  return server;
}

export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes what is left. */
export async function closeServer(server: Server, graceMs = 10_000): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive sockets that go idle after their last response would hold close() open until they time out.
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearInterval(sweep);
  clearTimeout(timer);
}
