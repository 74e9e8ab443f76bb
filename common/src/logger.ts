import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** The header that carries the correlation id from the gateway into subgraphs (and into Kafka headers). */
export const CORRELATION_HEADER = 'x-correlation-id';

const correlation = new AsyncLocalStorage<string>();

/** Runs `fn` with `id` as the correlation id of every log line and event it produces. */
export function withCorrelationId<T>(id: string, fn: () => T): T {
  return correlation.run(id, fn);
}

export function currentCorrelationId(): string | undefined {
  return correlation.getStore();
}

/** Accepts a caller's correlation id only if it is a sane token, so log injection is impossible. */
export function correlationIdFrom(value: string | string[] | undefined): string {
  const candidate = Array.isArray(value) ? value[0] : value;
  return candidate && /^[A-Za-z0-9._:-]{1,128}$/.test(candidate) ? candidate : randomUUID();
}

// Paths whose values never reach a log line: credentials, tokens and card data.
const REDACT = [
  'password',
  '*.password',
  '*.*.password',
  'newPassword',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'accessToken',
  'refreshToken',
  '*.accessToken',
  '*.refreshToken',
  'card',
  '*.card',
  '*.*.card',
  'cvc',
  '*.cvc',
  'number',
  '*.number',
  'secret',
  '*.secret',
];

export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    redact: { paths: REDACT, censor: '[redacted]' },
    mixin() {
      const id = correlation.getStore();
      return id ? { correlationId: id } : {};
    },
  });
}
