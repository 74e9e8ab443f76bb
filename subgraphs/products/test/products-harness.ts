// Test helpers for the products integration suites: an in-process products service on a random port with its own
// database, Redis prefix and topic prefix; locally signed access tokens; a log sink that keeps SQL statements.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { loadConfig, localTokenVerifier, TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER, type Config, type RequestContext } from '@limitedcart/common';
import { dropDatabase } from '@limitedcart/common/db';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { pino, type Logger } from 'pino';
import { startProducts, type RunningProducts } from '../src/index.ts';

export const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface LogLine {
  level: number;
  msg: string;
  sql?: string;
}

export function memoryLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'debug', base: { service: 'products' } }, sink), lines };
}

export interface TestProducts {
  running: RunningProducts;
  prefix: string;
  config: Config;
  lines: LogLine[];
  token(roles: ('ADMIN' | 'CUSTOMER')[]): Promise<string>;
  gql<T = Record<string, unknown>>(query: string, variables?: object, token?: string): Promise<GraphQLBody<T>>;
  stop(): Promise<void>;
}

export interface GraphQLBody<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export const adminCtx = (logger: Logger): RequestContext => ({ correlationId: 'test', user: { id: randomUUID(), roles: ['ADMIN'] }, authorization: undefined, logger });

/** Starts products with unique DB/topic/Redis prefixes and a verifier that trusts a key made for this run. */
export async function startTestProducts(label: string): Promise<TestProducts> {
  const prefix = `t_${label}_${randomUUID().slice(0, 8)}`;
  const base = loadConfig({ ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', DB_PREFIX: prefix, TOPIC_PREFIX: `${prefix}.`, REDIS_PREFIX: `${prefix}:` });
  const config: Config = { ...base, ports: { ...base.ports, products: 0 } };
  const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALGORITHM, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test', alg: TOKEN_ALGORITHM, use: 'sig' };
  const log = memoryLogger();
  const running = await startProducts(config, log.logger, { verifier: localTokenVerifier({ keys: [jwk] }) });
  const token = (roles: ('ADMIN' | 'CUSTOMER')[]) => sign(privateKey, roles);
  return {
    running,
    prefix,
    config,
    lines: log.lines,
    token,
    async gql<T>(query: string, variables?: object, bearer?: string) {
      const res = await fetch(running.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as GraphQLBody<T>;
    },
    async stop() {
      const keys = await running.redis.keys(`${prefix}:*`);
      if (keys.length) await running.redis.del(...keys);
      await running.stop();
      await dropDatabase(SERVER_URL, `${prefix}_products`);
    },
  };
}

function sign(key: CryptoKey, roles: string[]): Promise<string> {
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: 'test' })
    .setSubject(randomUUID())
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('10m')
    .setJti(randomUUID())
    .sign(key);
}
