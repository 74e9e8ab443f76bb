import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  databaseName,
  localTokenVerifier,
  startSubgraphServer,
  type Config,
  type Logger,
  type RequestContext,
  type RunningService,
} from '@limitedcart/common';
import { createOrm } from '@limitedcart/common/db';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parse } from 'graphql';
import { usersEntities } from './entities/index.ts';
import { jwksRoute } from './http/jwks.route.ts';
import { usersMigrations } from './migrations/index.ts';
import { usersResolvers } from './resolvers/index.ts';
import { AccessTokenIssuer } from './services/access-token.ts';
import { AccountService } from './services/account.service.ts';
import { resolveSigningKeys, type SigningKeys } from './services/signing-key.service.ts';
import { TokenService } from './services/token.service.ts';

export const USERS_SDL = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

/** What start() hands back beyond RunningService, for tests and tooling in this package. */
export interface RunningUsers extends RunningService {
  port: number;
  orm: MikroORM;
  keys: SigningKeys;
}

/**
 * Migrates the users database, settles the signing key, ensures the configured admin, then serves the subgraph
 * (GraphQL, JWKS, health, metrics). stop(): the HTTP server (draining requests) first, then the database pool.
 */
export async function startUsers(config: Config, logger: Logger): Promise<RunningUsers> {
  const orm = await createOrm({
    serverUrl: config.databaseUrl,
    dbName: databaseName(config, 'users'),
    entities: usersEntities,
    migrations: usersMigrations,
    logger,
    // LOG_LEVEL=debug shows every SQL statement (never its parameters).
    debug: logger.isLevelEnabled('debug'),
  });
  try {
    const keys = await resolveSigningKeys(config.jwtPrivateJwk, orm.em.fork(), logger);
    const tokens = new TokenService(orm, new AccessTokenIssuer(keys, config.jwtTtlSeconds), config.refreshTtlSeconds);
    const accounts = new AccountService(orm, tokens);
    if (config.admin) await accounts.ensureAdmin(systemContext(logger), config.admin);
    const schema = buildSubgraphSchema([{ typeDefs: parse(USERS_SDL), resolvers: usersResolvers(accounts, tokens) }]);
    const server = await startSubgraphServer({
      name: 'users',
      config,
      logger,
      schema,
      // users trusts its own keys directly: no HTTP round trip to itself.
      verifier: localTokenVerifier(keys.jwks),
      port: config.ports.users,
      readiness: [{ name: 'postgres', check: async () => void (await orm.em.getConnection().execute('select 1')) }],
      routes: [jwksRoute(keys.jwks)],
    });
    return {
      url: server.url,
      port: server.port,
      orm,
      keys,
      async stop() {
        await server.stop();
        await orm.close();
      },
    };
  } catch (error) {
    await orm.close(true);
    throw error;
  }
}

function systemContext(logger: Logger): RequestContext {
  return { correlationId: 'startup', user: null, authorization: undefined, logger };
}
