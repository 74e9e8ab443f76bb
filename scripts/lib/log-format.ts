// Turns one pino JSON line into a readable, prefixed line for `npm start` (non-JSON lines pass through).
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<string, string> = { WARN: '\x1b[33m', ERROR: '\x1b[31m', FATAL: '\x1b[41m', DEBUG: '\x1b[90m', TRACE: '\x1b[90m' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'name', 'service', 'msg', 'v']);

export function formatLogLine(prefix: string, line: string, color: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${prefix} ${line}`;
  }
  if (typeof record !== 'object' || record === null) return `${prefix} ${line}`;
  const level = LEVELS[Number(record.level)] ?? 'INFO';
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 23) : '';
  const extras: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (SKIP.has(key)) continue;
    if (key === 'err' && value && typeof value === 'object') {
      const err = value as { type?: string; message?: string; stack?: string };
      extras.push(`err=${err.type ?? 'Error'}: ${err.message ?? ''}`);
      if (err.stack && (level === 'ERROR' || level === 'FATAL')) extras.push(`\n${err.stack}`);
      continue;
    }
    extras.push(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  const tint = color ? (COLORS[level] ?? '') : '';
  const reset = tint ? '\x1b[0m' : '';
  return `${time} ${prefix} ${tint}${level.padEnd(5)}${reset} ${String(record.msg ?? '')}${extras.length ? `  ${extras.join(' ')}` : ''}`;
}
