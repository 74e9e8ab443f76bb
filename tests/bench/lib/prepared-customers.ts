// Customers for a bench that runs its own stack, prepared in seconds instead of minutes (not timed either way).
// Registering through the API costs one scrypt hash per customer in users; here the bench writes the accounts
// straight into users' own table (1,000 rows per INSERT), all sharing ONE password hash made by users' own
// hashPassword, and mints each access token with users' own AccessTokenIssuer and the signing key it gave the stack
// (JWT_PRIVATE_JWK), so kid, alg, typ and every claim are exactly what users issues. Why that is honest: the rows are
// what `register` writes (minus a refresh session, which a Customer has no use for), the tokens are verified by every
// service like users' own, and before returning it proves both through the public gateway: a few customers' `me`
// must answer their id and email, and one of them must log in with the shared password (so the hash is real).
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { AccessTokenIssuer } from '../../../subgraphs/users/src/services/access-token.ts';
import { hashPassword } from '../../../subgraphs/users/src/services/password.ts';
import { keyPairFromConfiguredJwk, signingKeysFrom } from '../../../subgraphs/users/src/services/signing-key.service.ts';
import { operation } from '../../lib/operations.ts';
import { progress, type Customer, type Gql } from './bench-client.ts';
import type { UsersInternals } from './bench-stack.ts';

const BATCH = 1_000;
const CHECKED = 5;

const emailOf = (run: string, i: number) => `bench-${run}-${i}@bench.limitedcart.test`;

export async function prepareCustomers(gql: Gql, users: UsersInternals, n: number, run: string): Promise<Customer[]> {
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  const passwordHash = await hashPassword(password);
  const issuer = new AccessTokenIssuer(await signingKeysFrom(await keyPairFromConfiguredJwk(users.privateJwk)), users.tokenTtlSeconds);
  const customers: Customer[] = [];
  const report = progress('preparing customers', n);
  const db = new pg.Client({ connectionString: users.databaseUrl });
  await db.connect();
  try {
    for (let from = 0; from < n; from += BATCH) {
      const index = Array.from({ length: Math.min(BATCH, n - from) }, (_, k) => from + k);
      const ids = index.map(() => randomUUID());
      await db.query(
        `insert into user_account (id, email, name, password_hash, roles)
         select id, email, name, $4, array['CUSTOMER'] from unnest($1::uuid[], $2::text[], $3::text[]) as t(id, email, name)`,
        [ids, index.map((i) => emailOf(run, i)), index.map((i) => `Bench ${i}`), passwordHash],
      );
      const tokens = await Promise.all(ids.map((id) => issuer.issue({ id, roles: ['CUSTOMER'] })));
      ids.forEach((id, k) => customers.push({ id, token: tokens[k]!.token }));
      report(customers.length);
    }
  } finally {
    await db.end();
  }
  await checkThroughGateway(gql, customers, password, run);
  return customers;
}

/** The shortcut's proof: `me` of the first, the last and a few random customers, and one real login. */
async function checkThroughGateway(gql: Gql, customers: Customer[], password: string, run: string): Promise<void> {
  if (customers.length === 0) return;
  const random = () => Math.floor(Math.random() * customers.length);
  const picks = [...new Set([0, customers.length - 1, ...Array.from({ length: CHECKED - 2 }, random)])];
  for (const i of picks) {
    const { me } = await gql<{ me: { id: string; email: string; roles: string[] } | null }>(operation('Me'), {}, customers[i]!.token);
    if (me?.id !== customers[i]!.id || me.email !== emailOf(run, i) || me.roles.join() !== 'CUSTOMER') {
      throw new Error(`prepared customer ${i}: me answered ${JSON.stringify(me)}, expected id ${customers[i]!.id}`);
    }
  }
  const i = random();
  const { login } = await gql<{ login: { accessToken: string | null; user: { id: string } | null; userErrors: unknown[] } }>(operation('Login'), {
    input: { email: emailOf(run, i), password },
  });
  if (!login.accessToken || login.user?.id !== customers[i]!.id) {
    throw new Error(`prepared customer ${i} cannot log in: ${JSON.stringify(login)}`);
  }
}
