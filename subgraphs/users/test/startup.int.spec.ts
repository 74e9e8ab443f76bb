import { localTokenVerifier } from '@limitedcart/common';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningUsers } from '../src/index.ts';
import { generateKeyPairJwk, SigningKeyError } from '../src/services/signing-key.service.ts';
import {
  dropUsersDatabase,
  graphqlClient,
  memoryLogger,
  OPS,
  startTestUsers,
  testConfig,
  uniquePrefix,
  type SessionResult,
} from './users-harness.ts';

const prefixes: string[] = [];
const running: RunningUsers[] = [];
const newPrefix = () => {
  const prefix = uniquePrefix('users_boot');
  prefixes.push(prefix);
  return prefix;
};
const start = async (prefix: string, env: Record<string, string> = {}) => {
  const instance = await startTestUsers(testConfig(prefix, env), memoryLogger().logger);
  running.push(instance);
  return instance;
};
const stop = async (instance: RunningUsers) => {
  running.splice(running.indexOf(instance), 1);
  await instance.stop();
};

async function login(instance: RunningUsers, email: string, password: string): Promise<SessionResult> {
  const res = await graphqlClient(instance.url)<{ login: SessionResult }>(OPS.login, { input: { email, password } });
  return res.body.data!.login;
}

async function adminRows(instance: RunningUsers, email: string): Promise<{ id: string; roles: string[] }[]> {
  return instance.orm.em.fork().execute('select id, roles from user_account where email = ?', [email]);
}

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  for (const prefix of prefixes) await dropUsersDatabase(prefix);
});

describe('start-up', () => {
  it('concurrent first starts agree on one signing key and one admin', async () => {
    const prefix = newPrefix();
    const env = { ADMIN_EMAIL: 'Boss@Example.com', ADMIN_PASSWORD: 'first-password' };
    const instances = await Promise.all([start(prefix, env), start(prefix, env), start(prefix, env)]);
    const kids = new Set(instances.map((i) => i.keys.kid));
    expect(kids.size).toBe(1);
    const [stored] = await instances[0]!.orm.em.fork().execute<{ n: number }[]>('select count(*)::int as n from signing_key');
    expect(stored!.n).toBe(1);
    const rows = await adminRows(instances[0]!, 'boss@example.com');
    expect(rows).toEqual([{ id: expect.any(String), roles: ['ADMIN'] }]);
    // A token from one replica is accepted by another.
    const session = await login(instances[1]!, 'boss@example.com', 'first-password');
    expect(session.user!.roles).toEqual(['ADMIN']);
    const me = await graphqlClient(instances[2]!.url)<{ me: { id: string } }>(OPS.me, {}, session.accessToken!);
    expect(me.body.data!.me.id).toBe(rows[0]!.id);
    await Promise.all(instances.map(stop));

    // Restart with a new admin password: same account, new password, same signing key.
    const again = await start(prefix, { ...env, ADMIN_PASSWORD: 'second-password' });
    expect(again.keys.kid).toBe([...kids][0]);
    expect((await login(again, 'boss@example.com', 'first-password')).userErrors[0]?.code).toBe('INVALID_CREDENTIALS');
    expect((await login(again, 'boss@example.com', 'second-password')).userErrors).toEqual([]);
    expect(await adminRows(again, 'boss@example.com')).toEqual(rows);
    await stop(again);
  });

  it('promotes an existing customer named as the admin, keeping their other roles', async () => {
    const prefix = newPrefix();
    const first = await start(prefix);
    const reg = await graphqlClient(first.url)<{ register: SessionResult }>(OPS.register, {
      input: { email: 'shopper@example.com', password: 'shopper-password', name: 'Shopper' },
    });
    expect(reg.body.data!.register.userErrors).toEqual([]);
    await stop(first);
    const second = await start(prefix, { ADMIN_EMAIL: 'shopper@example.com', ADMIN_PASSWORD: 'admin-password' });
    expect(await adminRows(second, 'shopper@example.com')).toEqual([{ id: reg.body.data!.register.user!.id, roles: ['CUSTOMER', 'ADMIN'] }]);
    expect((await login(second, 'shopper@example.com', 'admin-password')).user!.roles).toEqual(['CUSTOMER', 'ADMIN']);
    await stop(second);
  });

  it('signs with JWT_PRIVATE_JWK when given, and publishes only its public part', async () => {
    const pair = await generateKeyPairJwk();
    const instance = await start(newPrefix(), { JWT_PRIVATE_JWK: JSON.stringify({ ...pair.privateJwk, kid: 'configured-1' }) });
    expect(instance.keys.kid).toBe('configured-1');
    const jwks = await (await fetch(new URL('/.well-known/jwks.json', instance.url))).json();
    expect(jwks).toEqual({ keys: [{ ...pair.publicJwk, kid: 'configured-1', alg: 'ES256', use: 'sig' }] });
    const reg = await graphqlClient(instance.url)<{ register: SessionResult }>(OPS.register, {
      input: { email: 'keyed@example.com', password: 'keyed-password', name: 'Keyed' },
    });
    const verifier = localTokenVerifier({ keys: [{ ...pair.publicJwk, kid: 'configured-1', alg: 'ES256' }] });
    expect((await verifier.verify(reg.body.data!.register.accessToken!)).id).toBe(reg.body.data!.register.user!.id);
    await stop(instance);
  });

  it('refuses to start with an unusable JWT_PRIVATE_JWK, without echoing it', async () => {
    const secret = 'c2VjcmV0LWtleS1tYXRlcmlhbC10aGF0LW11c3Qtbm90LWxlYWs';
    const error = await start(newPrefix(), { JWT_PRIVATE_JWK: JSON.stringify({ kty: 'oct', k: secret }) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SigningKeyError);
    expect((error as Error).message).not.toContain(secret);
  });

  it('stop() closes the port', async () => {
    const instance = await start(newPrefix());
    const health = new URL('/health/live', instance.url);
    expect((await fetch(health)).status).toBe(200);
    await stop(instance);
    await expect(fetch(health)).rejects.toThrow();
  });
});
