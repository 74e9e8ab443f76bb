import type { LogContext, Logger as OrmLogger, LoggerNamespace } from '@mikro-orm/core';
import type { Logger } from 'pino';

// MikroORM's Logger interface on top of pino. Query parameters are never logged: they can hold
// password hashes, tokens or personal data.
export class PinoOrmLogger implements OrmLogger {
  readonly #log: Logger;
  #debugMode: boolean | LoggerNamespace[];

  constructor(log: Logger, debugMode: boolean | LoggerNamespace[] = false) {
    this.#log = log;
    this.#debugMode = debugMode;
  }

  log(namespace: string, message: string, context?: LogContext): void {
    if (!this.isEnabled(namespace as LoggerNamespace, context)) return;
    const fields = { orm: namespace, label: context?.label };
    if (context?.level === 'error') this.#log.error(fields, message);
    else if (context?.level === 'warning') this.#log.warn(fields, message);
    else this.#log.info(fields, message);
  }

  error(namespace: string, message: string, context?: LogContext): void {
    this.log(namespace, message, { ...context, level: 'error', enabled: true });
  }

  warn(namespace: string, message: string, context?: LogContext): void {
    this.log(namespace, message, { ...context, level: 'warning', enabled: true });
  }

  logQuery(context: LogContext): void {
    const namespace = context.namespace ?? 'query';
    if (!this.isEnabled(namespace, context)) return;
    const fields = { orm: namespace, sql: context.query, tookMs: context.took, rows: context.results ?? context.affected };
    if (context.level === 'warning' || namespace === 'slow-query') this.#log.warn(fields, 'slow query');
    else this.#log.debug(fields, 'query');
  }

  setDebugMode(debugMode: boolean | LoggerNamespace[]): void {
    this.#debugMode = debugMode;
  }

  isEnabled(namespace: LoggerNamespace, context?: LogContext): boolean {
    if (context?.enabled !== undefined) return context.enabled;
    if (namespace === 'deprecated') return true;
    const mode = context?.debugMode ?? this.#debugMode;
    return mode === true || (Array.isArray(mode) && mode.includes(namespace));
  }
}
