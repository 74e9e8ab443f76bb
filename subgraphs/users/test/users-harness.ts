// Test helpers for the users integration suites: an in-process users service on a random port with its own database,
// a GraphQL client over real HTTP, and a log sink that counts SQL statements.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '@limitedcart/common';
import { dropDatabase } from '@limitedcart/common/db';
import { pino, type Logger } from 'pino';
import { startUsers, type RunningUsers } from '../src/index.ts';

export const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface LogLine {
  level: number;
  msg: string;
  sql?: string;
  [key: string]: unknown;
}

/** A debug-level pino logger that keeps its lines in memory (SQL statements included, without parameters). */
export function memoryLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'debug', base: { service: 'users' } }, sink), lines };
}

/** A unique database prefix per test file (and per run), so suites run in parallel and rerun cleanly. */
export function uniquePrefix(label: string): string {
  return `t_${label}_${randomUUID().slice(0, 8)}`;
}

export function testConfig(prefix: string, env: Record<string, string> = {}): Config {
  const base = loadConfig({ ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', DB_PREFIX: prefix, ...env });
  // Port 0: the OS picks a free one (the config schema asks for 1..65535, so this is set after parsing).
  return { ...base, ports: { ...base.ports, users: 0 } };
}

export async function startTestUsers(config: Config, logger: Logger): Promise<RunningUsers> {
  return startUsers(config, logger);
}

export async function dropUsersDatabase(prefix: string): Promise<void> {
  await dropDatabase(SERVER_URL, `${prefix}_users`);
}

export interface GraphQLResponse<T> {
  status: number;
  body: { data?: T; errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[] };
}

export function graphqlClient(url: string) {
  return async <T = Record<string, unknown>>(query: string, variables?: object, token?: string): Promise<GraphQLResponse<T>> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLResponse<T>['body'] };
  };
}

export const OPS = {
  register: `mutation Register($input: RegisterInput!) {
    register(input: $input) {
      accessToken refreshToken expiresAt
      user { id email name roles createdAt }
      userErrors { code field message }
    }
  }`,
  login: `mutation Login($input: LoginInput!) {
    login(input: $input) {
      accessToken refreshToken expiresAt
      user { id email name roles }
      userErrors { code field message }
    }
  }`,
  refresh: `mutation RefreshToken($refreshToken: String!) {
    refreshToken(refreshToken: $refreshToken) { accessToken refreshToken expiresAt userErrors { code field message } }
  }`,
  logout: `mutation Logout($refreshToken: String!) {
    logout(refreshToken: $refreshToken) { success userErrors { code field message } }
  }`,
  me: `query Me { me { id email name roles } }`,
  setUserRoles: `mutation SetUserRoles($input: SetUserRolesInput!) {
    setUserRoles(input: $input) { user { id roles } userErrors { code field message } }
  }`,
};

export interface SessionResult {
  accessToken: string | null;
  refreshToken: string | null;
  expiresAt: string | null;
  user: { id: string; email: string | null; name: string; roles: string[]; createdAt?: string } | null;
  userErrors: { code: string; field: string[] | null; message: string }[];
}
